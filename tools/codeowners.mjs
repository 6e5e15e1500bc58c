#!/usr/bin/env node
// Fails when a package directory has no explicit line in CODEOWNERS. A catch-all such as `/tools/`
// would hide a new package with nobody to review it, so each package needs its own line.
import { readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { workspaceUnits } from "./workspace-units.mjs";

const root = resolve(process.argv[2] ?? ".");
// CODEOWNERS paths use "/" on every platform.
const units = workspaceUnits(root).map((unit) => unit.split(sep).join("/"));

let text = "";
try {
  text = readFileSync(join(root, "CODEOWNERS"), "utf8");
} catch {
  console.error("codeowners: no CODEOWNERS file at the repository root");
  process.exit(1);
}
const lines = [];
for (const line of text.split("\n")) {
  const [pattern, ...owners] = line.trim().split(/\s+/);
  if (!pattern || pattern.startsWith("#")) continue;
  lines.push({ path: pattern.replace(/^\//, "").replace(/\/$/, ""), owners });
}

const covers = (path, unit) => path === "*" || path === unit || unit.startsWith(`${path}/`);
const problems = [];
for (const unit of units) {
  // GitHub applies the last matching line, so a broader line after the package's own hides it.
  const last = lines.filter((line) => covers(line.path, unit)).at(-1);
  if (last === undefined || last.path !== unit || last.owners.length === 0) {
    const shadow = last && last.path !== unit && lines.some((line) => line.path === unit);
    problems.push(
      shadow
        ? `${unit}: its line is overridden by the later "/${last.path}/"; move that line above it`
        : `${unit}: no owner; add a line "/${unit}/ @org/team" to CODEOWNERS`,
    );
  }
}
if (problems.length > 0) {
  console.error(`codeowners: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`codeowners: ok (${units.length} packages owned)`);
