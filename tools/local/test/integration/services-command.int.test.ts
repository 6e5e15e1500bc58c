import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CloudState, freePort, isAlive } from "@etl/local-cloud";
import { cloud } from "@etl/local-cloud/testing";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "../../src/cli/command";
import { check, checkServices, down, up } from "../../src/cli/commands/services";
import { captureOutput } from "./run-etl";

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  for (const dir of dirs) {
    await down.run(parse(down, ["--data-dir", dir]));
    rmSync(dir, { recursive: true, force: true });
  }
});

function state(dataDir: string): CloudState {
  return JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as CloudState;
}

function postgresPid(s: CloudState): number {
  if (!s.postgresPid) throw new Error("no postgres pid in state.json");
  return s.postgresPid;
}

async function waitDead(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe("etl check", () => {
  it("names the service, its address and what to do when nothing answers there", async () => {
    const [pgPort, s3Port, dynamoPort] = [await freePort(), await freePort(), await freePort()];
    const endpoints = {
      ...cloud(),
      warehouseUrl: `postgres://postgres:secret@127.0.0.1:${pgPort}/warehouse`,
      s3Endpoint: `http://127.0.0.1:${s3Port}`,
      dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    };
    const output = captureOutput();

    const results = await checkServices(endpoints);

    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([
      `PostgreSQL (warehouse) at 127.0.0.1:${pgPort} is not answering: run \`etl up\``,
      `S3 at 127.0.0.1:${s3Port} is not answering: run \`etl up\``,
      `DynamoDB at 127.0.0.1:${dynamoPort} is not answering: run \`etl up\``,
    ]);
    expect(output.text()).toContain(`PostgreSQL (warehouse) at 127.0.0.1:${pgPort} is not answering`);
    expect(output.text()).not.toContain("secret");
  });
});

describe("etl up / etl down", () => {
  it("restarts PostgreSQL when it alone died, and `etl down` stops PostgreSQL after the supervisor was killed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "etl-up-"));
    dirs.push(dataDir);
    const args = ["--data-dir", dataDir];
    const output = captureOutput();
    expect(await up.run(parse(up, args))).toBe(0);
    const first = state(dataDir);
    process.kill(postgresPid(first), "SIGKILL");
    await waitDead(postgresPid(first));

    const again = await up.run(parse(up, args));
    const second = state(dataDir);
    const checked = await check.run(parse(check, args));
    process.kill(second.pid, "SIGKILL");
    await waitDead(second.pid);
    const orphanAlive = isAlive(postgresPid(second));
    const stopped = await down.run(parse(down, args));

    expect([again, checked, stopped]).toEqual([0, 0, 0]);
    expect(output.text()).toMatch(/PostgreSQL \(totesys\) at 127\.0\.0\.1:\d+ is not answering/);
    expect(output.text()).toContain("restarted");
    expect(output.text()).toContain("using the running local cloud");
    expect(orphanAlive).toBe(true);
    expect(isAlive(postgresPid(second))).toBe(false);
    expect(output.text()).toContain("local cloud stopped");
  });
});
