import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { arch, platform, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { cacheRoots, exe, postgresUser, reachableBinaries } from "../../src/services/postgres-binaries";

// As root the binaries are handed to the user postgres through a cache folder: which folders may
// serve as that cache, and what a cached copy holds. Only root has a user to hand them to.

const isRoot = process.getuid?.() === 0;
/** The temporary folder before any test points TMPDIR elsewhere. */
const TMP = tmpdir();
const cleanup: string[] = [];
afterAll(() => {
  for (const path of cleanup) rmSync(path, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A folder inside a folder only root may enter. */
function hiddenDir(): string {
  const parent = mkdtempSync(join(TMP, "etl-cache-"));
  chmodSync(parent, 0o700);
  cleanup.push(parent);
  return parent;
}

/**
 * Stand-in binaries as the platform package lays them out (`<package>/native/bin`, the version in
 * `<package>/package.json`), where the user postgres cannot reach them.
 */
function packagedStandIns(version: string, postgres: string): string {
  const pkg = join(hiddenDir(), "pkg");
  const bins = join(pkg, "native");
  mkdirSync(join(bins, "bin"), { recursive: true });
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ version }));
  writeFileSync(exe(bins, "postgres"), `#!/bin/sh\n${postgres}\n`, { mode: 0o755 });
  symlinkSync("postgres", join(bins, "bin", "postmaster"));
  return bins;
}

/** Where a copy of binaries of this version is cached in each cache folder (removed afterwards). */
function cachedCopies(version: string, roots: string[]): string[] {
  const copies = roots.map((root) => join(root, `postgres-${version}-${platform()}-${arch()}`));
  cleanup.push(...copies);
  return copies;
}

describe.runIf(isRoot)("the cache of binaries for the user postgres", () => {
  const user = postgresUser() ?? { uid: 0, gid: 0 };

  it("keys a cached copy by the platform package's version, and recreates its symlinks", () => {
    const version = `0.0.0-test-${randomBytes(4).toString("hex")}`;
    const bins = packagedStandIns(version, 'echo "postgres (PostgreSQL) 18"');
    const copies = cachedCopies(version, cacheRoots(user));

    const reachable = reachableBinaries(user, bins);

    expect(reachable).toBe(copies[0]);
    expect(lstatSync(join(reachable, "bin", "postmaster")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(reachable, "bin", "postmaster"))).toBe("postgres");
  });

  it("says what to do when no cached copy can be run by the user postgres", () => {
    const version = `0.0.0-test-${randomBytes(4).toString("hex")}`;
    const bins = packagedStandIns(version, "exit 1");
    cachedCopies(version, cacheRoots(user));

    expect(() => reachableBinaries(user, bins)).toThrow(
      `postgres: as root PostgreSQL runs as the user postgres, which cannot reach ${bins} and no cache folder it can reach could be made under ${tmpdir()}, /var/tmp or /tmp: make the repository's folders enterable`,
    );
  });

  it("uses no cache folder the user postgres cannot enter, or that others may write to", () => {
    const hidden = hiddenDir();
    vi.stubEnv("TMPDIR", hidden);
    expect(cacheRoots(user)).not.toContain(join(hidden, "etl-local-cloud"));
    expect(existsSync(join(hidden, "etl-local-cloud"))).toBe(true);

    const open = mkdtempSync(join(TMP, "etl-cache-open-"));
    cleanup.push(open);
    chmodSync(open, 0o755);
    mkdirSync(join(open, "etl-local-cloud"), { mode: 0o777 });
    chmodSync(join(open, "etl-local-cloud"), 0o777);
    vi.stubEnv("TMPDIR", open);
    expect(cacheRoots(user)).not.toContain(join(open, "etl-local-cloud"));

    const safe = mkdtempSync(join(TMP, "etl-cache-safe-"));
    cleanup.push(safe);
    chmodSync(safe, 0o755);
    vi.stubEnv("TMPDIR", safe);
    expect(cacheRoots(user)[0]).toBe(join(safe, "etl-local-cloud"));
  });
});
