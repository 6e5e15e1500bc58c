import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/services/ports";
import { startPostgres } from "../../src/services/postgres";
import { exe, postgresUser, reachableBinaries } from "../../src/services/postgres-binaries";

// PostgreSQL refuses to run as root: as root the local cloud runs it as the user postgres, and
// moves what that user cannot reach (binaries, data) into a shared cache folder it can.

const isRoot = process.getuid?.() === 0;
const cleanup: string[] = [];
afterAll(() => {
  for (const path of cleanup) rmSync(path, { recursive: true, force: true });
});

/** A folder inside a folder only its owner may enter. */
function hiddenDir(): string {
  const parent = mkdtempSync(join(tmpdir(), "etl-hidden-"));
  chmodSync(parent, 0o700);
  cleanup.push(parent);
  const dir = join(parent, "inner");
  mkdirSync(dir);
  return dir;
}

describe("running PostgreSQL as the user postgres", () => {
  it("runs as postgres when this process is root, as itself otherwise", () => {
    const user = postgresUser();

    if (isRoot) expect(user).toEqual({ uid: expect.any(Number), gid: expect.any(Number) });
    else expect(user).toBeUndefined();
    expect(user?.uid).not.toBe(0);
  });

  it("hands over binaries that user cannot reach as a linked copy in a cache it can", () => {
    const user = postgresUser() ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const bins = hiddenDir();
    mkdirSync(join(bins, "bin"), { recursive: true });
    // A stand-in for the server binary, unique so the cache key is new: only `--version` is run.
    writeFileSync(
      exe(bins, "postgres"),
      `#!/bin/sh\necho "postgres (PostgreSQL) ${randomBytes(4).toString("hex")}"\n`,
      {
        mode: 0o755,
      },
    );

    const reachable = reachableBinaries(user, bins);
    const again = reachableBinaries(user, bins);

    if (reachable !== bins) cleanup.push(reachable);
    expect(spawnSync(exe(reachable, "postgres"), ["--version"], { ...user }).status).toBe(0);
    expect(again).toBe(reachable);
    expect(reachable === bins).toBe(!isRoot);
  });

  it("keeps a cluster its user cannot reach in the cache, linked from the data folder, and collects it once orphaned", async () => {
    const dataDir = hiddenDir();
    const password = randomBytes(8).toString("hex");

    const server = await startPostgres({ dataDir, port: await freePort(), password });
    await server.stop();

    const link = join(dataDir, "postgres");
    if (!isRoot) {
      expect(server.cluster).toBe(link);
      return;
    }
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(server.cluster);
    expect(existsSync(join(server.cluster, "PG_VERSION"))).toBe(true);
    // The data folder goes; the next start elsewhere removes the cluster nobody points to.
    rmSync(dirname(dataDir), { recursive: true, force: true });
    const next = hiddenDir();
    const other = await startPostgres({ dataDir: next, port: await freePort(), password });
    await other.stop();
    cleanup.push(other.cluster, `${other.cluster}.owner`);
    expect(existsSync(server.cluster)).toBe(false);
    expect(existsSync(`${server.cluster}.owner`)).toBe(false);
    // Two clusters are initialised (initdb) here, which takes a minute on a loaded machine.
  }, 180_000);
});
