import { afterEach, describe, expect, it } from "vitest";
import { createTree, importLine, manifest, type Tree } from "./tree";

let tree: Tree | undefined;
afterEach(() => tree?.remove());

const repo = (files: Record<string, string>) => {
  tree = createTree({ "package.json": manifest("root", {}, { vitest: "1" }), ...files });
  return tree;
};

describe("dependency check", () => {
  it("accepts a package that imports exactly what it declares, plus the root's toolchain", () => {
    const t = repo({
      "packages/db/package.json": manifest(
        "@etl/db",
        { pg: "1", "@aws-sdk/client-s3": "1" },
        { "@types/pg": "1" },
      ),
      "packages/db/src/a.ts":
        importLine("import pg", "pg") +
        importLine("import { S3Client }", "@aws-sdk/client-s3/dist") +
        importLine("import { it }", "vitest") +
        importLine("import { join }", "node:path"),
    });

    const result = t.check("dependencies.mjs");

    expect(result.stdout).toContain("dependencies: ok");
    expect(result.status).toBe(0);
  });

  it("rejects a declared dependency that nothing imports", () => {
    const t = repo({
      "apps/transform/package.json": manifest("@etl/transform", { zod: "1", "@etl/db": "*" }),
      "apps/transform/src/a.ts": importLine("import { z }", "zod"),
    });

    const result = t.check("dependencies.mjs");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("apps/transform: declares @etl/db but never imports it");
  });

  it("rejects an imported package that the package does not declare", () => {
    const t = repo({
      "apps/load/package.json": manifest("@etl/load"),
      // Split so that this file itself shows no dynamic import.
      "apps/load/src/a.ts": `const m = await ${"import"}("hyparquet");\n`,
    });

    const result = t.check("dependencies.mjs");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "apps/load/src/a.ts: imports hyparquet, which @etl/load does not declare",
    );
  });

  it("counts a dependency named as a string (a loader given to node) as used", () => {
    const t = repo({
      "tools/local/package.json": manifest("@etl/local", { tsx: "1" }),
      "tools/local/src/a.ts": `export const args = ["--import", "tsx", "main.ts"];\n`,
    });

    const result = t.check("dependencies.mjs");

    expect(result.status).toBe(0);
  });
});
