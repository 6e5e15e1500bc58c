import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
  exports: Record<string, string>;
};

/** Packages that make a cold start slow or a bundle large: only the subpath that needs one may load it. */
const HEAVY = [/^@aws-sdk\//, /^pg$/, /^pg-copy-streams$/, /^hyparquet$/, /^yaml$/];

// Value imports only: `import type` and `export type` are erased and load nothing at run time.
const valueImport = /^(?:import|export)\s+(?!type\s)[^'"]*?from\s*["']([^"']+)["']/gm;

function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const found = [`${base}.ts`, join(base, "index.ts"), base].find((path) => existsSync(path));
  if (found === undefined) throw new Error(`${from}: cannot resolve ${spec}`);
  return found;
}

/** The packages a module loads at run time, following its relative imports. */
function externalImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(valueImport)) {
      const spec = match[1] ?? "";
      if (spec.startsWith(".")) visit(resolveRelative(file, spec));
      else if (!spec.startsWith("node:")) external.add(spec);
    }
  };
  visit(join(packageDir, entry));
  return external;
}

const heavyOf = (entry: string) =>
  [...externalImports(entry)].filter((spec) => HEAVY.some((re) => re.test(spec)));

describe("@etl/db entry points", () => {
  it("has one subpath per concern, each pointing at a file that exists", () => {
    const subpaths = Object.keys(manifest.exports).sort();

    expect(subpaths).toEqual([
      ".",
      "./credentials",
      "./ddl",
      "./errors",
      "./file-load",
      "./redshift",
      "./rules",
      "./rules-file",
      "./source",
      "./warehouse",
    ]);
    for (const target of Object.values(manifest.exports))
      expect(existsSync(join(packageDir, target))).toBe(true);
  });

  it("keeps the root thin: no SDK, no pg, no COPY streams, no Parquet or YAML reader", () => {
    expect(heavyOf(manifest.exports["."] ?? "")).toEqual([]);
  });

  it.each([
    ["./ddl", []],
    ["./errors", []],
    ["./rules", ["pg"]],
    ["./credentials", ["@aws-sdk/client-secrets-manager", "pg"]],
  ])("loads only what %s needs", (subpath, allowed) => {
    expect(heavyOf(manifest.exports[subpath] ?? "").filter((spec) => !allowed.includes(spec))).toEqual([]);
  });

  it.each([
    [".", ["quoteIdent", "qualified"]],
    ["./credentials", ["createConnectionResolver", "dbTlsFromEnv"]],
    ["./ddl", ["oltpDdl", "warehouseDdl", "controlDdl"]],
    [
      "./errors",
      ["LoadDataError", "LoadTransientError", "PreviousRunNotLoadedError", "StatementStillRunningError"],
    ],
    ["./file-load", ["loadFileIntoPostgres", "createRedshiftFileLoader", "fixedWidthToCsv"]],
    ["./redshift", ["createRedshiftDataApi", "migrateRedshift", "tableBatchSql"]],
    ["./rules", ["FileRuleSchema", "createFileRulesRepository", "matchRule"]],
    ["./rules-file", ["parseRulesDocument"]],
    ["./source", ["openSourceSnapshot"]],
    ["./warehouse", ["loadRunIntoPostgres", "migratePostgresWarehouse", "CopyTextWriter"]],
  ])("%s exports %j", async (subpath, names) => {
    const module: Record<string, unknown> = await import(`@etl/db${subpath.slice(1)}`);

    for (const name of names) expect(module[name], name).toBeDefined();
  });

  it("exports nothing from the root beyond the shared quoting helpers", async () => {
    const root: Record<string, unknown> = await import("@etl/db");

    expect(Object.keys(root).sort()).toEqual(["qualified", "quoteIdent"]);
  });
});
