#!/usr/bin/env node
// Fails when a package declares a dependency it never imports, or imports one it does not declare.
// An unused dependency still ships in the Lambda bundle's install and redeploys the app when it
// changes; an undeclared one works only by hoisting luck and breaks the deploy-changed graph.
//
// A dependency counts as used when a file of the package imports it (static, dynamic, require,
// `import.meta.resolve`), when a package script runs its binary, or when the source names it in a
// string (`node --import tsx`, a bundler given by name). `@types/x` counts as used when `x` is.
// The root package.json's devDependencies (the shared toolchain: vitest, typescript, @types/node)
// count as declared by every package.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";
import { workspaceUnits } from "./workspace-units.mjs";

const root = resolve(process.argv[2] ?? ".");
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

const units = workspaceUnits(root);

const rootManifest = readJson(join(root, "package.json"));
const shared = new Set(Object.keys(rootManifest.devDependencies ?? {}));
const builtins = new Set(builtinModules);

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (["node_modules", "cdk.out", "dist", "coverage"].includes(entry) || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(c|m)?[tj]sx?$/.test(entry)) yield path;
  }
}

const importPattern =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require(?:\.resolve)?\(\s*["']([^"']+)["']\s*\)|import\.meta\.resolve\(\s*["']([^"']+)["']\s*\)/gm;

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative, builtin or alias → null. */
export function packageOf(spec) {
  if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:")) return null;
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
  if (builtins.has(name)) return null;
  return name;
}

const typesTarget = (dep) => {
  const bare = dep.slice("@types/".length);
  return bare.includes("__") ? `@${bare.replace("__", "/")}` : bare;
};

const problems = [];
for (const unit of units) {
  const unitDir = join(root, unit);
  const manifest = readJson(join(unitDir, "package.json"));
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const imported = new Map();
  let allText = Object.values(manifest.scripts ?? {}).join("\n");
  for (const file of sourceFiles(unitDir)) {
    const text = readFileSync(file, "utf8");
    allText += `\n${text}`;
    for (const match of text.matchAll(importPattern)) {
      const spec = match.slice(1).find((group) => group !== undefined) ?? "";
      const name = packageOf(spec);
      if (name === null || name === manifest.name) continue;
      if (!imported.has(name)) imported.set(name, relative(root, file));
    }
  }
  const named = (dep) =>
    new RegExp(`["'\`\\s]${dep.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}["'\`\\s/]`).test(allText);
  const runsBinaryOf = (dep) => {
    try {
      const bin = readJson(join(unitDir, "node_modules", dep, "package.json")).bin;
      const names = typeof bin === "string" ? [dep.split("/").pop() ?? dep] : Object.keys(bin ?? {});
      const scripts = Object.values(manifest.scripts ?? {});
      return names.some((b) => scripts.some((s) => new RegExp(`(^|[\\s;&|])${b}(\\s|$)`).test(s)));
    } catch {
      return false;
    }
  };
  const used = (dep) =>
    dep.startsWith("@types/")
      ? imported.has(typesTarget(dep)) || declared.has(typesTarget(dep))
      : imported.has(dep) || runsBinaryOf(dep) || named(dep);
  for (const dep of [...declared].sort()) {
    if (!used(dep)) problems.push(`${unit}: declares ${dep} but never imports it; remove it`);
  }
  for (const [name, file] of [...imported].sort()) {
    if (declared.has(name) || shared.has(name) || declared.has(`@types/${name}`)) continue;
    problems.push(
      `${file}: imports ${name}, which ${manifest.name} does not declare; add it to package.json`,
    );
  }
}

if (problems.length > 0) {
  console.error(`dependencies: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`dependencies: ok (${units.length} packages checked)`);
