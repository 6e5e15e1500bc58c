#!/usr/bin/env node
// Fails when a non-test TypeScript source file is over 300 lines: past that a file holds more than
// one idea and should be split by meaning. A pure data table may be longer when its first line is
// `// data table: <why>`. Files listed in tools/file-size-pending.txt are being split elsewhere:
// they are reported as pending, not failed, until they leave the list.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

const MAX_LINES = 300;
const DATA_TABLE = /^\/\/ data table: \S/;
const root = resolve(process.argv[2] ?? ".");

function* sourceFiles(dir) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (["node_modules", "cdk.out", "dist", "coverage", "test"].includes(entry) || entry.startsWith("."))
      continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(c|m)?ts$/.test(entry) && !/\.test\.(c|m)?ts$/.test(entry)) yield path;
  }
}

let pending = new Set();
try {
  pending = new Set(
    readFileSync(join(root, "tools", "file-size-pending.txt"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
} catch {
  // No pending list: every file is checked.
}

const problems = [];
const waiting = [];
let checked = 0;
for (const group of ["apps", "packages", "tools", "infra"]) {
  for (const file of sourceFiles(join(root, group))) {
    checked += 1;
    const where = relative(root, file).split(sep).join("/");
    const text = readFileSync(file, "utf8");
    const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
    if (lines <= MAX_LINES || DATA_TABLE.test(text)) continue;
    if (pending.has(where)) waiting.push(`${where} (${lines} lines)`);
    else
      problems.push(
        `${where}: ${lines} lines, over ${MAX_LINES}; split it by meaning, or mark a pure data table`,
      );
  }
}

if (waiting.length > 0)
  console.log(`file size: ${waiting.length} pending split(s)\n  ${waiting.join("\n  ")}`);
if (problems.length > 0) {
  console.error(`file size: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`file size: ok (${checked} source files checked)`);
