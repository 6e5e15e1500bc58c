import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, ServiceStartError, startLocalCloud } from "../../src/services";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-life-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("local cloud lifecycle", () => {
  it("leaves no process running after stop", async () => {
    const cloud = await startLocalCloud({ dataDir: tempDir() });
    const pids = cloud.pids;
    const aliveWhileRunning = pids.map(isAlive);

    await cloud.stop();
    // A second stop (an exit hook after an explicit stop) has nothing left to do.
    const again = Date.now();
    await cloud.stop();

    expect(Date.now() - again).toBeLessThan(100);
    expect(pids).toHaveLength(2);
    expect(aliveWhileRunning).toEqual([true, true]);
    expect(pids.map(isAlive)).toEqual([false, false]);
  });

  it("names the service and the fix when its port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;

    const started = startLocalCloud({ dataDir: tempDir(), ports: { dynamodb: port } });

    await expect(started).rejects.toThrow(ServiceStartError);
    await expect(started).rejects.toThrow(
      new RegExp(`^dynamodb: port ${port} on 127.0.0.1 is already in use; stop what`),
    );
    blocker.close();
  });

  it("names the data folder when it cannot be written", async () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "x");

    const started = startLocalCloud({ dataDir: join(file, "data") });

    await expect(started).rejects.toThrow(/not-a-dir\/data/);
  });
});
