import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PARQUET_WASM_FILE } from "../src/constructs/bundling";
import { REPO_ROOT } from "../src/paths";

/** The root README's "Deploy to AWS" section, whitespace collapsed (commands wrap across lines). */
function deploySection(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Deploy to AWS");
  const end = readme.indexOf("\n## ", start + 1);
  return readme
    .slice(start, end < 0 ? undefined : end)
    .replace(/\\\n/g, " ")
    .replace(/\s+/g, " ");
}

const section = deploySection();
/** What the README runs for `pnpm`: "`pnpm` means `npx -y pnpm@10.34.8`". */
const pnpm = (/`pnpm` means `([^`]+)`/.exec(section)?.[1] ?? "").split(" ");
/** Every CDK command the README prints: [runner, verb, rest]. */
const cdkCommands = [
  ...section.matchAll(/(pnpm (?:(?!pnpm )[^`$])*?cdk) (bootstrap|deploy|diff|destroy)((?:(?!pnpm )[^`])*)/g),
].map((m) => ({ runner: m[1] ?? "", verb: m[2] ?? "", rest: m[3] ?? "" }));

/**
 * A developer's shell: no AWS credentials at all, and no `node_modules/.bin` on the PATH (the
 * test runner puts the package's own there, where a shell has none).
 */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_")));
  const path = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !dir.includes("node_modules"))
    .join(delimiter);
  return {
    ...env,
    PATH: path,
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Runs a README command, `pnpm` spelled as the README defines it, from the repository root. */
function run(runner: string, args: string[]) {
  const [command, ...rest] = [...pnpm, ...runner.split(" ").slice(1), ...args];
  const result = spawnSync(command ?? "npx", rest, {
    cwd: REPO_ROOT,
    env: offlineEnv(),
    encoding: "utf8",
    timeout: 540_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("the README's deploy commands", () => {
  const outdirs: string[] = [];
  const outdir = () => {
    const dir = mkdtempSync(join(tmpdir(), "etl-readme-cdk-"));
    outdirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  it("print bootstrap, deploy, diff and destroy through one runner, each with a settings file", () => {
    expect(pnpm[0]).toBe("npx");
    expect(cdkCommands.map((c) => c.verb).sort()).toEqual(["bootstrap", "deploy", "destroy", "diff"]);
    expect(new Set(cdkCommands.map((c) => c.runner)).size).toBe(1);
    for (const c of cdkCommands) expect(c.rest).toContain("-c config=config/prod.json");
  });

  it("synthesize and bundle every stack offline with the example settings, through the README's runner", () => {
    const out = outdir();
    const runner = cdkCommands[0]?.runner ?? "";

    const result = run(runner, ["synth", "--all", "-c", "config=config/example.json", "--output", out]);

    expect(result.output).not.toMatch(/not found|FailedToBundleAsset/);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string }>;
    };
    expect(
      Object.entries(manifest.artifacts)
        .filter(([, a]) => a.type === "aws:cloudformation:stack")
        .map(([name]) => name)
        .sort(),
    ).toEqual(["EtlIngest", "EtlLoad", "EtlStateful", "EtlTransform"]);
    const bundles = readdirSync(out)
      .filter((d) => d.startsWith("asset.") && existsSync(join(out, d, "index.mjs")))
      .map((d) => readdirSync(join(out, d)).sort());
    // ingest, transform, run loader, file loader; the transform's bundle carries the WASM module.
    expect(bundles).toHaveLength(4);
    expect(bundles.filter((files) => files.includes(PARQUET_WASM_FILE)).length).toBeGreaterThanOrEqual(1);
    for (const files of bundles)
      expect(files).toEqual(expect.arrayContaining(["index.mjs", "index.mjs.map"]));
  }, 600_000);

  it.each(["bootstrap", "diff"])(
    "run the README's %s command offline as far as AWS credentials are needed (bundling and synth first)",
    (verb) => {
      const command = cdkCommands.find((c) => c.verb === verb);
      // The README names the user's own settings file; the example stands in for it here.
      const rest = (command?.rest ?? "").replace("config/prod.json", "config/example.json").trim().split(" ");

      const result = run(command?.runner ?? "", [verb, ...rest.filter(Boolean)]);

      expect(result.output).not.toMatch(/not found|FailedToBundleAsset|no settings file/);
      expect(result.output).toMatch(/Unable to resolve AWS account|no credentials have been configured/);
      if (verb === "diff") expect(result.output).toMatch(/Bundling asset EtlLoad\/Files/);
    },
    600_000,
  );

  it("refuse to synthesize without a settings file, saying which option to pass", () => {
    const runner = cdkCommands[0]?.runner ?? "";

    const result = run(runner, ["synth", "--all", "--output", outdir()]);

    expect(result.status).not.toBe(0);
    expect(result.output).toContain("-c config=config/<name>.json");
    expect(result.output).not.toContain("DB_SECRET_ARN");
  }, 300_000);
});
