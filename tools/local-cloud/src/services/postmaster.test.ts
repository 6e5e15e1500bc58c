import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, isPostmasterOf, runningPostmaster, stopPostmaster } from "./postmaster";

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-postmaster-"));
  dirs.push(dir);
  return dir;
}

/** A process whose command line reads like a postmaster's: `... postgres -D <cluster> -p 1`. */
function lookalike(cluster: string, script = "setInterval(() => {}, 1000)"): ChildProcess {
  const child = spawn(process.execPath, ["-e", script, "postgres", "-D", cluster, "-p", "1"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.push(child);
  return child;
}

/** Resolves once the process has printed its first output (its handlers are installed by then). */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.stdout?.once("data", () => resolve()));
}

describe("recognising a postmaster", () => {
  it("knows a postmaster started on a cluster's link by that path, and by no other cluster", () => {
    const real = join(tempDir(), "cluster");
    mkdirSync(real);
    const link = join(tempDir(), "postgres");
    symlinkSync(real, link);
    const pid = lookalike(link).pid ?? 0;

    expect(isPostmasterOf(pid, link)).toBe(true);
    expect(isPostmasterOf(pid, join(tempDir(), "other"))).toBe(false);
    expect(isPostmasterOf(process.pid, link)).toBe(false);
    expect(isPostmasterOf(0, link)).toBe(false);
  });

  it("reads the pid file of a cluster, and ignores one naming another process", () => {
    const cluster = tempDir();
    expect(runningPostmaster(cluster)).toBeUndefined();

    writeFileSync(join(cluster, "postmaster.pid"), `${process.pid}\n${cluster}\n`);
    expect(runningPostmaster(cluster)).toBeUndefined();

    const pid = lookalike(cluster).pid ?? 0;
    writeFileSync(join(cluster, "postmaster.pid"), `${pid}\n${cluster}\n`);
    expect(runningPostmaster(cluster)).toBe(pid);
  });
});

describe("stopPostmaster", () => {
  it("goes on to an immediate shutdown when the fast one is ignored", async () => {
    // Ignores SIGINT (fast shutdown) as a stuck server would; SIGQUIT ends it.
    const child = lookalike(
      tempDir(),
      "process.on('SIGINT', () => {}); console.log('ready'); setInterval(() => {}, 1000)",
    );
    await started(child);
    const pid = child.pid ?? 0;
    const since = Date.now();

    await stopPostmaster(pid);

    expect(isAlive(pid)).toBe(false);
    expect(child.signalCode).toBe("SIGQUIT");
    expect(Date.now() - since).toBeGreaterThanOrEqual(10_000);
  }, 30_000);

  it("returns at once for a process that is gone", async () => {
    const child = lookalike(tempDir(), "process.exit(0)");
    await new Promise((r) => child.once("exit", r));
    const since = Date.now();

    await expect(stopPostmaster(child.pid ?? 0)).resolves.toBeUndefined();
    expect(Date.now() - since).toBeLessThan(1_000);
  });
});
