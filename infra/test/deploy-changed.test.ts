import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployPlan } from "../src/deploy/affected";
import { INFRA_ROOT } from "../src/paths";

const SCRIPT = join(INFRA_ROOT, "src", "deploy", "deploy-changed.ts");

/** A small copy of the workspace's package graph: schemas <- db <- ingest, load; schemas <- transform. */
const PACKAGES: Record<string, { dir: string; deps: string[] }> = {
  "@etl/schemas": { dir: "packages/schemas", deps: [] },
  "@etl/db": { dir: "packages/db", deps: ["@etl/schemas"] },
  "@etl/ingest": { dir: "apps/ingest", deps: ["@etl/db"] },
  "@etl/transform": { dir: "apps/transform", deps: ["@etl/schemas"] },
  "@etl/load": { dir: "apps/load", deps: ["@etl/db"] },
  "@etl/infra": { dir: "infra", deps: ["@etl/ingest", "@etl/transform", "@etl/load"] },
};

let repo: string;

function write(path: string, content: string): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

function git(...args: string[]): void {
  execFileSync("git", args, { cwd: repo, stdio: "ignore" });
}

function commit(message: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) write(path, content);
  git("add", "-A");
  git("commit", "-q", "-m", message);
}

function run(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", SCRIPT, "--cwd", repo, ...args], {
    cwd: INFRA_ROOT,
    encoding: "utf8",
  });
}

function plan(...args: string[]): DeployPlan {
  const result = run("--json", ...args);
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as DeployPlan;
}

const stacksOf = (p: DeployPlan) => p.stacks.map((s) => s.stack);

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "etl-deploy-changed-"));
  git("init", "-q", "-b", "main");
  git("config", "user.email", "test@example.com");
  git("config", "user.name", "test");
  write("package.json", JSON.stringify({ name: "fake", private: true, packageManager: "pnpm@10.34.8" }));
  write("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - packages/*\n  - infra\n");
  write("turbo.json", JSON.stringify({ $schema: "https://turbo.build/schema.json", tasks: { build: {} } }));
  for (const [name, { dir, deps }] of Object.entries(PACKAGES)) {
    const dependencies = Object.fromEntries(deps.map((d) => [d, "workspace:*"]));
    write(`${dir}/package.json`, JSON.stringify({ name, version: "0.0.0", dependencies }));
    write(`${dir}/src/index.ts`, "export const version = 1;\n");
  }
  write("infra/src/stacks/stateful-stack.ts", "export const buckets = 3;\n");
  write("infra/src/constructs/etl-function.ts", "export const runtime = 22;\n");
  commit("workspace", {});
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
});

describe("deploy:changed against a temporary repository", () => {
  it("deploys every app that depends on a changed package, and only those", () => {
    commit("db change", { "packages/db/src/index.ts": "export const version = 2;\n" });

    const p = plan("--base", "HEAD~1");

    expect(p.changedPackages).toEqual(["@etl/db"]);
    expect(p.affectedApps).toEqual(["@etl/ingest", "@etl/load"]);
    expect(stacksOf(p)).toEqual(["EtlIngest", "EtlLoad"]);
    expect(p.statefulChanged).toBe(false);
  });

  it("deploys one app when only that app changed", () => {
    commit("transform change", { "apps/transform/src/index.ts": "export const version = 2;\n" });

    expect(stacksOf(plan("--base", "HEAD~1"))).toEqual(["EtlTransform"]);
  });

  it("deploys every app after a change to the shared schemas, over two commits", () => {
    commit("schemas change", { "packages/schemas/src/index.ts": "export const version = 2;\n" });

    expect(stacksOf(plan("--base", "HEAD~3"))).toEqual(["EtlIngest", "EtlTransform", "EtlLoad"]);
  });

  it("names a stateful change and deploys the stateful stack alone", () => {
    commit("stateful change", { "infra/src/stacks/stateful-stack.ts": "export const buckets = 4;\n" });

    const text = run("--base", "HEAD~1");

    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /Stacks to deploy:\n {2}EtlStateful {2}infra changed: src\/stacks\/stateful-stack\.ts\n/,
    );
    expect(text.stdout).toContain("Stateful stack changed");
    expect(stacksOf(plan("--base", "HEAD~1"))).toEqual(["EtlStateful"]);
  });

  it("deploys every stack when shared infra code changed, including uncommitted changes", () => {
    write("infra/src/constructs/etl-function.ts", "export const runtime = 24;\n");

    const p = plan("--base", "HEAD");

    expect(stacksOf(p)).toEqual(["EtlStateful", "EtlIngest", "EtlTransform", "EtlLoad"]);
    git("checkout", "--", "infra/src/constructs/etl-function.ts");
  });

  it("deploys nothing when only infra tests changed", () => {
    commit("infra test", { "infra/test/stacks.test.ts": "export {};\n" });

    const text = run("--base", "HEAD~1");

    expect(text.stdout).toContain("Nothing to deploy.");
  });

  it("with --execute, runs cdk deploy --exclusively on the planned stacks with the config and extra arguments", () => {
    const bin = mkdtempSync(join(tmpdir(), "etl-fake-cdk-"));
    const record = join(bin, "cdk-args.txt");
    const fakeCdk = join(bin, "cdk");
    writeFileSync(fakeCdk, `#!/bin/sh\nprintf '%s\\n' "$@" > "${record}"\n`);
    chmodSync(fakeCdk, 0o755);
    commit("load change", { "apps/load/src/index.ts": "export const version = 2;\n" });

    const result = run(
      "--base",
      "HEAD~1",
      "--execute",
      "--config",
      "config/prod.json",
      "--cdk-bin",
      fakeCdk,
      "--",
      "--require-approval",
      "never",
    );

    expect(result.status).toBe(0);
    expect(readFileSync(record, "utf8").trim().split("\n")).toEqual([
      "deploy",
      "--exclusively",
      "EtlLoad",
      "-c",
      "config=config/prod.json",
      "--require-approval",
      "never",
    ]);
    rmSync(bin, { recursive: true, force: true });
  });

  it("fails clearly on an unknown base", () => {
    const result = run("--base", "no-such-ref");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('deploy:changed: unknown base "no-such-ref"');
  });
});
