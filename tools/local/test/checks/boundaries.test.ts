import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const script = resolve(dirname(fileURLToPath(import.meta.url)), "../../../boundaries.mjs");
let root = "";

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function tree(files: Record<string, string>): void {
  root = mkdtempSync(join(tmpdir(), "etl-bounds-"));
  for (const unit of ["apps/ingest", "apps/load", "packages/db"]) {
    write(`${unit}/package.json`, JSON.stringify({ name: `@etl/${unit.split("/")[1]}` }));
  }
  for (const [path, text] of Object.entries(files)) write(path, text);
}

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Builds an import line without writing one literally here, so the check never flags this file. */
const imports = (what: string, from: string) => `${what} ${"from"} "${from}";\n`;

describe("package boundary check", () => {
  it("accepts imports of packages and relative imports inside a package", () => {
    tree({ "apps/ingest/src/a.ts": imports("import { x }", "@etl/db") + imports("import { y }", "./b") });

    const result = spawnSync(process.execPath, [script, root], { encoding: "utf8" });

    expect(result.status).toBe(0);
  });

  it("rejects an app importing another app", () => {
    tree({ "apps/ingest/src/a.ts": imports("import { runLoad }", "@etl/load/run") });

    const result = spawnSync(process.execPath, [script, root], { encoding: "utf8" });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("app @etl/ingest imports app @etl/load");
  });

  it("rejects a relative import that leaves its package", () => {
    tree({ "packages/db/src/a.ts": imports("export { z }", "../../../apps/load/src/z") });

    const result = spawnSync(process.execPath, [script, root], { encoding: "utf8" });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('relative import "../../../apps/load/src/z" leaves packages/db');
  });
});
