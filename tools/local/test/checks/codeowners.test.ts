import { afterEach, describe, expect, it } from "vitest";
import { createTree, manifest, type Tree } from "./tree";

let tree: Tree | undefined;
afterEach(() => tree?.remove());

const packages = {
  "apps/load/package.json": manifest("@etl/load"),
  "packages/synthetic/package.json": manifest("@etl/synthetic"),
  "infra/package.json": manifest("@etl/infra"),
};

describe("CODEOWNERS check", () => {
  it("accepts a CODEOWNERS file with a line per package", () => {
    tree = createTree({
      ...packages,
      CODEOWNERS:
        "# owners\n/apps/load/  @etl/team-load\n/packages/synthetic/ @etl/team-platform\n/infra/ @etl/team-platform\n",
    });

    const result = tree.check("codeowners.mjs");

    expect(result.stdout).toContain("codeowners: ok (3 packages owned)");
    expect(result.status).toBe(0);
  });

  it("rejects a package covered only by a catch-all folder line", () => {
    tree = createTree({
      ...packages,
      CODEOWNERS: "/apps/load/ @etl/team-load\n/packages/ @etl/team-platform\n/infra/ @etl/team-platform\n",
    });

    const result = tree.check("codeowners.mjs");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("packages/synthetic: no owner");
  });

  it("rejects a line with no owner", () => {
    tree = createTree({
      ...packages,
      CODEOWNERS: "/apps/load/\n/packages/synthetic/ @etl/team-platform\n/infra/ @etl/team-platform\n",
    });

    const result = tree.check("codeowners.mjs");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("apps/load: no owner");
  });
});

describe("CODEOWNERS precedence", () => {
  it("rejects a broader line after a package's own line, because the last match wins", () => {
    tree = createTree({
      ...packages,
      CODEOWNERS:
        "/apps/load/ @etl/team-load\n/packages/synthetic/ @etl/team-platform\n/packages/ @etl/x\n/infra/ @etl/p\n",
    });

    const result = tree.check("codeowners.mjs");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('packages/synthetic: its line is overridden by the later "/packages/"');
  });
});
