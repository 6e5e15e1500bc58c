import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bundleEntrySync, PARQUET_WASM_FILE } from "./bundling";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-bundling-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("bundleEntrySync", () => {
  it("writes the bundle and passes esbuild's warnings on, each naming its file", () => {
    const dir = tempDir();
    const entry = join(dir, "handler.ts");
    writeFileSync(entry, "export const isMinusZero = (x: number) => x === -0;\n");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);

    bundleEntrySync(entry, join(dir, "out"));

    const warnings = stderr.mock.calls.map(([text]) => String(text));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^esbuild warning: .*handler\.ts: Comparison with -0 using the "===" operator/,
    );
    expect(readFileSync(join(dir, "out", "index.mjs"), "utf8")).toContain("createRequire");
    expect(existsSync(join(dir, "out", PARQUET_WASM_FILE))).toBe(false);
  });

  it("throws esbuild's error, naming the file, for an entry that does not compile", () => {
    const dir = tempDir();
    const entry = join(dir, "broken.ts");
    writeFileSync(entry, "export const = 1;\n");

    expect(() => bundleEntrySync(entry, join(dir, "out"))).toThrow(
      /broken\.ts:1:13: ERROR: Expected identifier/,
    );
  });
});
