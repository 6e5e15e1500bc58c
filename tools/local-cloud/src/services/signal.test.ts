import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { signalProcess } from "./signal";

describe("signalProcess", () => {
  it("signals a live process and reports it", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await once(child, "spawn");
    const exited = once(child, "exit");

    const sent = signalProcess(child.pid ?? -1, "SIGKILL");

    expect(sent).toBe(true);
    expect((await exited)[1]).toBe("SIGKILL");
  });

  it("returns false, without throwing, for a process that has exited already", async () => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");

    expect(signalProcess(child.pid ?? -1, "SIGKILL")).toBe(false);
  });

  it("throws what is not a vanished process", () => {
    expect(() => signalProcess(1.5, "SIGTERM")).toThrow();
  });
});
