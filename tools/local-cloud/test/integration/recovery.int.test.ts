import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  freePort,
  isAlive,
  postgresBinaries,
  startDetachedCloud,
  startLocalCloud,
  stopDetachedCloud,
} from "../../src/services";
import type { CloudState } from "../../src/services/types";

const dirs: string[] = [];
const started: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-recovery-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dataDir of started) await stopDetachedCloud(dataDir).catch(() => undefined);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function up(dataDir: string, ports?: { postgres: number }): Promise<CloudState> {
  started.push(dataDir);
  return (await startDetachedCloud({ dataDir, ...(ports ? { ports } : {}) })).state;
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function waitDead(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function postgresPidOf(state: CloudState): number {
  if (state.postgresPid === undefined) throw new Error("no postgres pid in the state");
  return state.postgresPid;
}

describe("local cloud in a folder only its owner may enter", () => {
  it("starts PostgreSQL when the data and the binaries sit under a 0700 folder, and keeps the data", async () => {
    // Stands for a clone in root's home or in a `mktemp -d` folder: both are mode 0700.
    const outer = tempDir();
    chmodSync(outer, 0o700);
    const binaries = join(outer, "repo", "node_modules", "postgres");
    mkdirSync(dirname(binaries), { recursive: true });
    // Same timestamps: the shared cache keys a copy without a version by size and time, so reruns reuse it.
    cpSync(postgresBinaries(), binaries, {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
    });
    const dataDir = join(outer, "repo", ".etl");

    const first = await startLocalCloud({ dataDir, postgresBinaries: binaries });
    await query(first.endpoints.warehouseUrl, "create table kept (id int); insert into kept values (7)");
    await first.stop();
    const second = await startLocalCloud({ dataDir, postgresBinaries: binaries });
    const rows = await query(second.endpoints.warehouseUrl, "select id from kept");
    await second.stop();
    // As root the cluster may live in the shared cache, linked from the data folder.
    const cluster = join(dataDir, "postgres");
    if (lstatSync(cluster).isSymbolicLink())
      dirs.push(readlinkSync(cluster), `${readlinkSync(cluster)}.owner`);

    expect(rows).toEqual([{ id: 7 }]);
    expect(second.pids.map(isAlive)).toEqual([false, false]);
  });
});

describe("etl down / etl up after a crash", () => {
  it("stops the PostgreSQL left running after the supervisor was killed", async () => {
    const dataDir = tempDir();
    const state = await up(dataDir);
    const postgresPid = postgresPidOf(state);
    process.kill(state.pid, "SIGKILL");
    await waitDead(state.pid);
    const orphanAlive = isAlive(postgresPid);

    const stopped = await stopDetachedCloud(dataDir);

    expect(orphanAlive).toBe(true);
    expect(stopped).toBe(true);
    expect(isAlive(postgresPid)).toBe(false);
    expect(existsSync(join(dataDir, "state.json"))).toBe(false);
  });

  it("starts again on the same data after the supervisor was killed, PostgreSQL still holding its port", async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const state = await up(dataDir, { postgres: port });
    await query(state.warehouseUrl, "create table survived (id int); insert into survived values (1)");
    process.kill(state.pid, "SIGKILL");
    await waitDead(state.pid);

    const again = await up(dataDir, { postgres: port });

    expect(again.pid).not.toBe(state.pid);
    expect(isAlive(postgresPidOf(state))).toBe(false);
    expect(await query(again.warehouseUrl, "select id from survived")).toEqual([{ id: 1 }]);
  });

  it("starts again after everything was killed and the stale postmaster.pid names a live process", async () => {
    const dataDir = tempDir();
    const state = await up(dataDir);
    await query(state.warehouseUrl, "create table survived (id int); insert into survived values (2)");
    process.kill(state.pid, "SIGKILL");
    process.kill(postgresPidOf(state), "SIGKILL");
    await waitDead(postgresPidOf(state));
    // After a reboot the recorded pid often belongs to another process by then.
    const lockFile = join(dataDir, "postgres", "postmaster.pid");
    const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
    const lines = readFileSync(lockFile, "utf8").split("\n");
    writeFileSync(lockFile, [String(stranger.pid), ...lines.slice(1)].join("\n"));

    const again = await up(dataDir).finally(() => stranger.kill());

    expect(await query(again.warehouseUrl, "select id from survived")).toEqual([{ id: 2 }]);
  });

  it("restarts PostgreSQL when it alone was killed", async () => {
    const dataDir = tempDir();
    const state = await up(dataDir);
    process.kill(postgresPidOf(state), "SIGKILL");
    await waitDead(postgresPidOf(state));

    const again = await up(dataDir);

    expect(postgresPidOf(again)).not.toBe(postgresPidOf(state));
    expect(await query(again.warehouseUrl, "select 1 as one")).toEqual([{ one: 1 }]);
  });
});
