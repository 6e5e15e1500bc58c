import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A throwaway repository tree for the repo checks in tools/*.mjs. */
export interface Tree {
  root: string;
  write(path: string, text: string): void;
  /** Runs `tools/<script>` on the tree; its exit status and output. */
  check(script: string): { status: number | null; stdout: string; stderr: string };
  remove(): void;
}

const tools = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export function createTree(files: Record<string, string>): Tree {
  const root = mkdtempSync(join(tmpdir(), "etl-check-"));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  return {
    root,
    write,
    check: (script) => spawnSync(process.execPath, [join(tools, script), root], { encoding: "utf8" }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A package.json text. */
export const manifest = (
  name: string,
  deps: Record<string, string> = {},
  devDeps: Record<string, string> = {},
) => JSON.stringify({ name, dependencies: deps, devDependencies: devDeps });

/** Builds an import line without writing one literally here, so no check flags this file. */
export const importLine = (what: string, from: string) => `${what} ${"from"} "${from}";\n`;
