import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { affectedSince } from "./affected";

// affectedSince on a throwaway git repository, with a stand-in `turbo` that answers `turbo ls`
// from a fixed package list and records the filters it was asked for.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", args, { cwd, stdio: "ignore" });
}

function repository(): { cwd: string; turboBin: string; calls: string } {
  const cwd = mkdtempSync(join(tmpdir(), "etl-affected-"));
  dirs.push(cwd);
  git(cwd, "init", "-q", "-b", "main");
  git(cwd, "config", "user.email", "test@example.com");
  git(cwd, "config", "user.name", "test");
  mkdirSync(join(cwd, "infra", "src", "stacks"), { recursive: true });
  writeFileSync(join(cwd, "infra", "src", "stacks", "load-stack.ts"), "export {};\n");
  writeFileSync(join(cwd, "infra", "README.md"), "# infra\n");
  git(cwd, "add", ".");
  git(cwd, "commit", "-q", "-m", "base");
  const calls = join(cwd, "..", `${cwd.split("/").pop()}-turbo-calls`);
  dirs.push(calls);
  const turboBin = join(cwd, "..", `${cwd.split("/").pop()}-turbo`);
  dirs.push(turboBin);
  // `turbo ls` prints a notice before its JSON; `[base]` is the changed package, `...[base]` adds its dependants.
  writeFileSync(
    turboBin,
    [
      "#!/bin/sh",
      `echo "$3" >> "${calls}"`,
      'echo "turbo 2 notice"',
      'case "$3" in',
      '  "...["*) echo \'{"packages":{"items":[{"name":"@etl/db","path":"packages/db"},{"name":"@etl/load","path":"apps/load"}]}}\' ;;',
      '  *) echo \'{"packages":{"items":[{"name":"@etl/db","path":"packages/db"}]}}\' ;;',
      "esac",
    ].join("\n"),
    { mode: 0o755 },
  );
  return { cwd, turboBin, calls };
}

describe("affectedSince", () => {
  it("plans from turbo's package graph and the infra files changed since the base, committed or not", () => {
    const { cwd, turboBin, calls } = repository();
    writeFileSync(join(cwd, "infra", "src", "stacks", "load-stack.ts"), "export const changed = 1;\n");
    writeFileSync(join(cwd, "infra", "src", "stacks", "ingest-stack.ts"), "export {};\n");

    const plan = affectedSince({ base: "main", cwd, turboBin, prefix: "Dev" });

    expect(readFileSync(calls, "utf8").split("\n").filter(Boolean)).toEqual(["[main]", "...[main]"]);
    expect(plan).toEqual({
      base: "main",
      changedPackages: ["@etl/db"],
      affectedApps: ["@etl/load"],
      infraFiles: ["infra/src/stacks/ingest-stack.ts", "infra/src/stacks/load-stack.ts"],
      stacks: [
        { stack: "DevIngest", reasons: ["infra changed: src/stacks/ingest-stack.ts"] },
        {
          stack: "DevLoad",
          reasons: ["@etl/load depends on a changed package", "infra changed: src/stacks/load-stack.ts"],
        },
      ],
      statefulChanged: false,
    });
    expect(affectedSince({ base: "main", cwd, turboBin }).stacks.map((s) => s.stack)).toEqual([
      "EtlIngest",
      "EtlLoad",
    ]);
  });

  it("names a base that is no commit, and how to give one", () => {
    const { cwd, turboBin } = repository();

    expect(() => affectedSince({ base: "no-such-branch", cwd, turboBin })).toThrow(
      'unknown base "no-such-branch": give a commit, branch or tag (--base origin/main)',
    );
  });
});
