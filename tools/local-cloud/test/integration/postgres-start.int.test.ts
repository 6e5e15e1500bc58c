import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { freePort } from "../../src/services/ports";
import { type PostgresOptions, startPostgres } from "../../src/services/postgres";
import { isAlive } from "../../src/services/postmaster";

// How startPostgres fails, shown with stand-in `initdb` and `postgres` scripts: each failure names
// what went wrong and carries the tail of the server's log. Run as a non-root user would run them
// (as root the scripts would run as the user postgres, in the cache: postgres-as-root covers that).

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-pgstart-"));
  dirs.push(dir);
  return dir;
}

/** A binaries folder with stand-in scripts; `initdb` by default makes a cluster (PG_VERSION). */
function standIns(scripts: { initdb?: string; postgres: string }, mode = 0o755): string {
  const bins = tempDir();
  mkdirSync(join(bins, "bin"));
  const initdb =
    scripts.initdb ??
    '[ -n "$ETL_TEST_MARKS" ] && echo initdb ran >> "$ETL_TEST_MARKS"; touch "$(printf %s "$1" | sed s/^--pgdata=//)/PG_VERSION"';
  writeFileSync(join(bins, "bin", "initdb"), `#!/bin/sh\n${initdb}\n`, { mode });
  writeFileSync(join(bins, "bin", "postgres"), `#!/bin/sh\n${scripts.postgres}\n`, { mode });
  return bins;
}

/** Starts as a non-root user would: the cluster in `<dataDir>/postgres`, the binaries as given. */
async function start(binaries: string, extra: Partial<PostgresOptions> = {}): Promise<void> {
  vi.spyOn(process, "getuid").mockReturnValue(1000);
  const dataDir = extra.dataDir ?? tempDir();
  const server = await startPostgres({ dataDir, port: await freePort(), password: "pw", binaries, ...extra });
  await server.stop();
}

describe("startPostgres, when the server cannot start", () => {
  it("names the folder where the binaries are missing", async () => {
    const empty = tempDir();

    await expect(start(empty)).rejects.toThrow(
      `postgres: the PostgreSQL binaries are missing in ${empty}: run \`pnpm install\` again`,
    );
  });

  it("reports initdb's failure with its log, and removes the password file it was given", async () => {
    const bins = standIns({
      initdb: 'echo "initdb: error: no space left on device" >&2; exit 1',
      postgres: "exit 0",
    });
    const dataDir = tempDir();

    await expect(start(bins, { dataDir })).rejects.toThrow(
      /^postgres: initdb failed \(exit 1\): initdb: error: no space left on device$/,
    );
    expect(readdirSync(dataDir).sort()).toEqual(["postgres", "postgres.log"]);
    expect(readdirSync(join(dataDir, "postgres"))).toEqual([]);
  });

  it("names the signal that ended initdb", async () => {
    const bins = standIns({ initdb: "kill -9 $$", postgres: "exit 0" });

    await expect(start(bins)).rejects.toThrow(/^postgres: initdb failed \(exit SIGKILL\)/);
  });

  it("names the error when initdb cannot be run at all", async () => {
    const bins = standIns({ postgres: "exit 0" }, 0o644);

    await expect(start(bins)).rejects.toThrow(/^postgres: initdb failed \(spawn .*initdb EACCES\)/);
  });

  it("reports a server that exits at start with its log, and calls no exit handler for it", async () => {
    const bins = standIns({ postgres: 'echo "FATAL:  could not bind IPv4 address" >&2; exit 3' });
    const onExit = vi.fn();

    await expect(start(bins, { onExit })).rejects.toThrow(
      /^postgres: the server exited at start \(exit 3\): FATAL: {2}could not bind IPv4 address$/,
    );
    expect(onExit).not.toHaveBeenCalled();
  });

  it("names the signal that ended a server at start", async () => {
    const bins = standIns({ postgres: "kill -9 $$" });

    await expect(start(bins)).rejects.toThrow(/^postgres: the server exited at start \(exit SIGKILL\)/);
  });

  it("names the error when the server binary cannot be run", async () => {
    const bins = standIns({ postgres: "exit 0" });
    chmodSync(join(bins, "bin", "postgres"), 0o644);
    const dataDir = tempDir();
    mkdirSync(join(dataDir, "postgres"));
    writeFileSync(join(dataDir, "postgres", "PG_VERSION"), "18\n");

    await expect(start(bins, { dataDir })).rejects.toThrow(
      /^postgres: the server exited at start \(spawn .*postgres EACCES\)/,
    );
  });

  it("keeps an initialised cluster, and removes a lock file left by a crash before starting", async () => {
    const marks = join(tempDir(), "marks");
    vi.stubEnv("ETL_TEST_MARKS", marks);
    const bins = standIns({
      postgres:
        '[ -e "$2/postmaster.pid" ] && echo "lock still there" >&2 || echo "lock removed" >&2; exit 3',
    });
    const dataDir = tempDir();
    mkdirSync(join(dataDir, "postgres"));
    writeFileSync(join(dataDir, "postgres", "PG_VERSION"), "18\n");
    // The pid of a live process that is no postmaster (pids are reused after a crash).
    writeFileSync(join(dataDir, "postgres", "postmaster.pid"), `${process.pid}\n`);

    await expect(start(bins, { dataDir })).rejects.toThrow(/exited at start \(exit 3\): lock removed$/);
    expect(existsSync(marks)).toBe(false);
    expect(existsSync(join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
    vi.unstubAllEnvs();
  });

  it("stops a postmaster of the cluster that outlived its supervisor before starting another", async () => {
    const bins = standIns({ postgres: "exit 3" });
    const dataDir = tempDir();
    const cluster = join(dataDir, "postgres");
    mkdirSync(cluster);
    writeFileSync(join(cluster, "PG_VERSION"), "18\n");
    // Looks like a postmaster of this cluster to its command line: `... postgres -D <cluster> ...`.
    const orphan = spawn(
      process.execPath,
      ["-e", "setInterval(() => {}, 1000)", "postgres", "-D", realpathSync(cluster), "-p", "1"],
      { stdio: "ignore" },
    );
    const orphanPid = orphan.pid ?? 0;
    writeFileSync(join(cluster, "postmaster.pid"), `${orphanPid}\n${realpathSync(cluster)}\n`);

    await expect(start(bins, { dataDir })).rejects.toThrow(/exited at start \(exit 3\)/);
    expect(isAlive(orphanPid)).toBe(false);
  });
});

describe("startPostgres, once the server is ready", () => {
  it("reports the server's unexpected exit once, and not the exit that stop() causes", async () => {
    const onExit = vi.fn();
    const dataDir = tempDir();
    const first = await startPostgres({ dataDir, port: await freePort(), password: "pw", onExit });

    process.kill(first.pid, "SIGKILL");
    await vi.waitFor(() => expect(onExit).toHaveBeenCalledWith(null, "SIGKILL"), { timeout: 10_000 });
    await first.stop();
    const second = await startPostgres({ dataDir, port: await freePort(), password: "pw", onExit });
    await second.stop();

    expect(onExit).toHaveBeenCalledTimes(1);
    expect(second.cluster).toBe(first.cluster);
  }, 120_000);
});

const isRoot = process.getuid?.() === 0;

/** Stand-ins the user postgres can run from where they are; `--version` answers like the server. */
function reachableStandIns(postgres: string): string {
  const bins = standIns({ postgres: `[ "$1" = --version ] && exit 0\n${postgres}` });
  chmodSync(bins, 0o755);
  return bins;
}

/** A data folder inside a folder only root may enter. */
function hiddenDataDir(): string {
  const parent = tempDir();
  chmodSync(parent, 0o700);
  const dir = join(parent, "data");
  mkdirSync(dir);
  return dir;
}

describe.runIf(isRoot)("startPostgres as root, for a data folder the user postgres cannot reach", () => {
  const startAsRoot = async (bins: string, dataDir: string) => {
    const server = await startPostgres({ dataDir, port: await freePort(), password: "pw", binaries: bins });
    await server.stop();
  };

  it("refuses to move a cluster it finds there, saying how to make it reachable", async () => {
    const dataDir = hiddenDataDir();
    mkdirSync(join(dataDir, "postgres"));
    writeFileSync(join(dataDir, "postgres", "PG_VERSION"), "18\n");
    const link = join(dataDir, "postgres");

    await expect(startAsRoot(reachableStandIns("exit 3"), dataDir)).rejects.toThrow(
      `postgres: as root PostgreSQL runs as the user postgres, which cannot reach its data in ${link}: make the parent folders enterable (chmod o+x each) or delete ${link} to start afresh elsewhere`,
    );
  });

  it("keeps the cluster in the cache while it lasts, and starts a fresh one when the cache was cleared", async () => {
    const bins = reachableStandIns("exit 3");
    const dataDir = hiddenDataDir();
    const link = join(dataDir, "postgres");
    const clusters: string[] = [];
    const clusterNow = () => {
      const target = realpathSync(link);
      clusters.push(target, `${target}.owner`);
      return target;
    };
    try {
      await expect(startAsRoot(bins, dataDir)).rejects.toThrow(/exited at start \(exit 3\)/);
      const first = clusterNow();
      writeFileSync(join(first, "kept"), "");
      await expect(startAsRoot(bins, dataDir)).rejects.toThrow(/exited at start \(exit 3\)/);
      expect(clusterNow()).toBe(first);
      expect(existsSync(join(first, "kept"))).toBe(true);

      // Another data folder's new cluster collects orphans, and this one is none: its link remains.
      const other = hiddenDataDir();
      await expect(startAsRoot(bins, other)).rejects.toThrow(/exited at start \(exit 3\)/);
      const otherCluster = realpathSync(join(other, "postgres"));
      clusters.push(otherCluster, `${otherCluster}.owner`);
      expect(otherCluster).not.toBe(first);
      expect(existsSync(join(first, "kept"))).toBe(true);

      rmSync(first, { recursive: true, force: true });
      await expect(startAsRoot(bins, dataDir)).rejects.toThrow(/exited at start \(exit 3\)/);
      const fresh = clusterNow();

      expect(fresh).not.toBe(first);
      expect(existsSync(join(fresh, "PG_VERSION"))).toBe(true);
    } finally {
      for (const path of clusters) rmSync(path, { recursive: true, force: true });
    }
  });
});
