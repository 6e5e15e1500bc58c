#!/usr/bin/env node
// Fails when the relative imports inside one package's src/ form a cycle (type-only imports
// included: a cycle of types still means two files that cannot be understood apart).
// Usage: node tools/import-cycles.mjs [root]
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { workspaceUnits } from "./workspace-units.mjs";

const root = resolve(process.argv[2] ?? ".");
const sourceDirs = workspaceUnits(root)
  .map((unit) => join(root, unit, "src"))
  .filter((dir) => existsSync(dir) && statSync(dir).isDirectory());

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(c|m)?[tj]sx?$/.test(entry)) yield path;
  }
}

const importPattern =
  /(?:import|export)\s[^'"]*?from\s*["'](\.[^"']*)["']|import\(\s*["'](\.[^"']*)["']\s*\)|import\s+["'](\.[^"']*)["']/g;
const extensions = ["", ".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.js"];

/** The file a relative specifier names, or undefined when none exists. */
function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const ext of extensions) {
    const candidate = base + ext;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  // `./x.js` written for a `./x.ts` file.
  const swapped = base.replace(/\.js$/, ".ts");
  return existsSync(swapped) ? swapped : undefined;
}

/** Strongly connected components of more than one file, or of one file importing itself (Tarjan). */
function cyclesOf(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? new Set()).has(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const cycles = [];
for (const dir of sourceDirs) {
  const graph = new Map();
  for (const file of sourceFiles(dir)) {
    const targets = new Set();
    for (const match of readFileSync(file, "utf8").matchAll(importPattern)) {
      const target = resolveImport(file, match[1] ?? match[2] ?? match[3] ?? "");
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, targets);
  }
  cycles.push(...cyclesOf(graph));
}

if (cycles.length > 0) {
  const lines = cycles.map((files) => `  ${files.map((f) => relative(root, f)).join(" <-> ")}`);
  console.error(
    `import cycles: ${cycles.length}; break each by moving what both need into a third file\n${lines.join("\n")}`,
  );
  process.exit(1);
}
console.log(`import cycles: none (${sourceDirs.length} source folders checked)`);
