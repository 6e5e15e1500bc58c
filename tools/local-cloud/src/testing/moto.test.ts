import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startMoto } from "./moto";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Puts a stand-in `moto_server` (a shell script body) alone on the PATH. */
function motoOnPath(script?: string): void {
  const dir = mkdtempSync(join(tmpdir(), "etl-moto-"));
  dirs.push(dir);
  if (script !== undefined)
    writeFileSync(join(dir, "moto_server"), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  vi.stubEnv("PATH", `${dir}:/usr/bin:/bin`);
}

describe("startMoto, when moto_server does not start", () => {
  it("says how to install moto_server when it is not on the PATH", async () => {
    motoOnPath();

    await expect(startMoto()).rejects.toThrow(
      'moto_server could not be started (spawn moto_server ENOENT); install it with pip install "moto[server]"',
    );
  });

  it("names the port and passes on what moto_server said before it exited", async () => {
    motoOnPath('echo "OSError: [Errno 98] Address already in use" >&2; exit 1');

    await expect(startMoto()).rejects.toThrow(
      /^moto_server on port \d+ did not start: OSError: \[Errno 98\] Address already in use$/,
    );
  });

  it("says so when moto_server exited without a word", async () => {
    motoOnPath("exit 0");

    await expect(startMoto()).rejects.toThrow(/^moto_server on port \d+ did not start: no output$/);
  });
});
