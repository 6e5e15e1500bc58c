import { describe, expect, it, vi } from "vitest";
import { createLogger, logLevelFrom, redactingReplacer } from "./logging";

describe("logLevelFrom", () => {
  it.each([
    [{}, "INFO"],
    [{ ETL_LOG_LEVEL: "debug" }, "DEBUG"],
    [{ POWERTOOLS_LOG_LEVEL: "WARN", ETL_LOG_LEVEL: "DEBUG" }, "WARN"],
    [{ ETL_LOG_LEVEL: "SILENT" }, "SILENT"],
    [{ ETL_LOG_LEVEL: "loud" }, "INFO"],
  ])("reads %o as %s", (env, level) => {
    expect(logLevelFrom(env)).toBe(level);
  });
});

describe("redactingReplacer", () => {
  it.each([
    ["password", "hunter2", "***"],
    ["message", "connect postgres://etl:hunter2@db/wh", "connect postgres://etl:***@db/wh"],
    ["pin", 1234, 1234],
    ["apiKey", 1234, "***"],
    ["rows", 10, 10],
  ])("turns %s=%o into %o", (key, value, expected) => {
    expect(redactingReplacer(key, value)).toEqual(expected);
  });
});

describe("createLogger", () => {
  it("writes JSON with the service name and no secret", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const info = vi.spyOn(console, "info").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const logger = createLogger("ingest", { env: { ETL_LOG_LEVEL: "INFO" } });

    logger.info("connected", { url: "postgres://etl:hunter2@db/wh", password: "hunter2", rows: 3 });
    spy.mockRestore();
    info.mockRestore();

    const entry = JSON.parse(lines.join("").trim());
    expect(entry).toMatchObject({
      level: "INFO",
      message: "connected",
      service: "ingest",
      url: "postgres://etl:***@db/wh",
      password: "***",
      rows: 3,
    });
    expect(lines.join("")).not.toContain("hunter2");
  });

  it("redacts the message and stack of a logged error", () => {
    const lines: string[] = [];
    const error = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = createLogger("load", { env: {} });

    logger.error("load failed", new Error("connect postgres://etl:hunter2@db/wh refused"));
    error.mockRestore();
    write.mockRestore();

    const entry = JSON.parse(lines.join("").trim());
    expect(entry.error.message).toBe("connect postgres://etl:***@db/wh refused");
    expect(lines.join("")).not.toContain("hunter2");
  });
});
