#!/usr/bin/env node
// Fails when an app imports another app, or a relative import climbs out of its own package.
// Apps are deployed independently: sharing code between them goes through packages/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { workspaceUnits } from "./workspace-units.mjs";

const root = resolve(process.argv[2] ?? ".");
const units = workspaceUnits(root);
const appNames = new Set(
  units.filter((u) => u.startsWith(`apps${sep}`)).map((u) => `@etl/${u.split(sep)[1]}`),
);

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "cdk.out" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(c|m)?[tj]sx?$/.test(entry)) yield path;
  }
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const problems = [];
for (const unit of units) {
  const unitDir = join(root, unit);
  const own = JSON.parse(readFileSync(join(unitDir, "package.json"), "utf8")).name;
  for (const file of sourceFiles(unitDir)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? match[2] ?? "";
      const where = relative(root, file);
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(unitDir + sep) && target !== unitDir) {
          problems.push(
            `${where}: relative import "${spec}" leaves ${unit}; import the package by name instead`,
          );
        }
        continue;
      }
      const pkg = spec.split("/").slice(0, 2).join("/");
      if (unit.startsWith(`apps${sep}`) && appNames.has(pkg) && pkg !== own) {
        problems.push(`${where}: app ${own} imports app ${pkg}; move the shared code into packages/`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`package boundaries: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`package boundaries: ok (${units.length} packages checked)`);
