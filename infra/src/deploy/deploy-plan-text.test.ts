import { describe, expect, it } from "vitest";
import { formatPlan, planDeploy, stacksOfInfraFile } from "./affected";

describe("the deploy plan's edges", () => {
  it("uses the stack prefix it is given", () => {
    const plan = planDeploy({
      base: "HEAD~1",
      changedPackages: ["@etl/transform"],
      affectedPackages: ["@etl/transform", "@etl/docs"],
      infraFiles: [],
      prefix: "Test",
    });

    expect(plan.stacks).toEqual([{ stack: "TestTransform", reasons: ["@etl/transform changed"] }]);
    expect(plan.affectedApps).toEqual(["@etl/transform"]);
  });

  it("lists at most five infra files and says how many more changed", () => {
    const infraFiles = Array.from({ length: 7 }, (_, i) => `infra/src/constructs/c${i}.ts`);
    const plan = planDeploy({ base: "main", changedPackages: [], affectedPackages: [], infraFiles });

    const text = formatPlan(plan);

    expect(text).toContain("  changed packages: none\n  affected apps: none\n");
    expect(text).toContain(
      "  infra files: src/constructs/c0.ts, src/constructs/c1.ts, src/constructs/c2.ts, src/constructs/c3.ts, src/constructs/c4.ts and 2 more",
    );
    expect(text).toMatch(
      /EtlIngest +infra changed: src\/constructs\/c0\.ts, src\/constructs\/c1\.ts, src\/constructs\/c2\.ts and 4 more/,
    );
  });

  it.each([
    ["infra/tsconfig.json", []],
    ["infra/src/constructs/star-catalog.ts", ["transform"]],
    ["infra/src/stacks/load-stack.ts", ["load"]],
  ])("a change to %s touches %j", (file, stacks) => {
    expect(stacksOfInfraFile(file)).toEqual(stacks);
  });
});
