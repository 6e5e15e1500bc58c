import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, readCloudState, startDetachedCloud, stopDetachedCloud } from "../../src/services";
import type { CloudState } from "../../src/services/types";
import { redactUrl } from "../../src/services/types";
import { cloud } from "../../src/testing";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-state-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A state file as `etl up` writes it, naming the given supervisor pid and the run's services. */
function recordState(dataDir: string, pid: number): CloudState {
  const state: CloudState = { ...cloud(), dataDir, pid, startedAt: new Date().toISOString() };
  writeFileSync(join(dataDir, "state.json"), JSON.stringify(state));
  return state;
}

/** A process that stands in for a supervisor: it lives until it is signalled. */
function standInSupervisor(): number {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  return child.pid ?? 0;
}

describe("the state of a cloud started with `etl up`", () => {
  it("is none when nothing was recorded, or the record was cut short by a crash", () => {
    const dataDir = tempDir();
    expect(readCloudState(dataDir)).toBeUndefined();

    writeFileSync(join(dataDir, "state.json"), '{"pid": 12');
    expect(readCloudState(dataDir)).toBeUndefined();
  });

  it("is the recorded state while its supervisor lives, and none once it is gone", async () => {
    const dataDir = tempDir();
    const pid = standInSupervisor();
    const state = recordState(dataDir, pid);

    expect(readCloudState(dataDir)).toEqual(state);
    process.kill(pid, "SIGKILL");
    await expect.poll(() => isAlive(pid)).toBe(false);
    expect(readCloudState(dataDir)).toBeUndefined();
  });

  it("leaves a cloud whose services all answer as it is", async () => {
    const dataDir = tempDir();
    const pid = standInSupervisor();
    const state = recordState(dataDir, pid);
    try {
      const started = await startDetachedCloud({ dataDir });

      expect(started).toEqual({ state, alreadyRunning: true, recovered: [] });
      expect(isAlive(pid)).toBe(true);
      expect(JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8"))).toEqual(state);
    } finally {
      process.kill(pid, "SIGKILL");
    }
  });

  it("stops the recorded supervisor and forgets the state; reports false when nothing ran", async () => {
    const dataDir = tempDir();
    const pid = standInSupervisor();
    recordState(dataDir, pid);

    expect(await stopDetachedCloud(dataDir)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(readCloudState(dataDir)).toBeUndefined();
    expect(await stopDetachedCloud(dataDir)).toBe(false);
  });
});

describe("redactUrl", () => {
  it("hides the password of a URL, and leaves a URL without one as it is", () => {
    expect(redactUrl("postgres://postgres:s3cr:et@127.0.0.1:5432/totesys")).toBe(
      "postgres://postgres:***@127.0.0.1:5432/totesys",
    );
    expect(redactUrl("http://127.0.0.1:4569")).toBe("http://127.0.0.1:4569");
  });
});
