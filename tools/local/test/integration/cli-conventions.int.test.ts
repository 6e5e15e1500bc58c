import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { etl } from "./run-etl";

const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as {
  version: string;
  bin?: Record<string, string>;
};

describe("etl's command-line conventions", () => {
  it.each([["--version"], ["-V"]])("%s prints the version alone", async (flag) => {
    const result = await etl(flag);

    expect(result).toEqual({ code: 0, out: `${manifest.version}\n`, err: "" });
  });

  it("help <command> prints that command's usage", async () => {
    const result = await etl("help", "query");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^usage: etl query "<sql>" \[--json\]/);
  });

  it("help of an unknown command is a usage error", async () => {
    const result = await etl("help", "nope");

    expect(result.code).toBe(2);
    expect(result.err).toBe('etl: unknown command "nope": `etl help` lists them\n');
  });

  it("no command prints the list to stdout and exits 2", async () => {
    const result = await etl();

    expect(result.code).toBe(2);
    expect(result.out).toContain("usage: etl <command>");
  });

  it("--help documents --quiet, the option every command takes", async () => {
    const result = await etl("--help");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^ {2}--quiet, -q +no progress/m);
  });

  it.each([
    ["-q", "status", "--limit", "abc"],
    ["--quiet", "status", "--limit", "abc"],
    ["status", "--quiet", "--limit", "abc"],
  ])("%s %s %s %s: --quiet goes before or after the command", async (...argv) => {
    const result = await etl(...argv);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^etl status: --limit must be a whole number/);
  });

  it("the package names an etl bin", () => {
    expect(manifest.bin).toEqual({ etl: "bin/etl.mjs" });
  });
});
