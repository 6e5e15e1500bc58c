import { describe, expect, it } from "vitest";
import { formatPlan, planDeploy, stacksOfInfraFile } from "./affected";

describe("stacksOfInfraFile", () => {
  it.each([
    ["infra/src/stacks/stateful-stack.ts", ["stateful"]],
    ["infra/src/stacks/load-stack.ts", ["load"]],
    ["infra/src/constructs/star-catalog.ts", ["transform"]],
    ["infra/src/constructs/etl-function.ts", ["stateful", "ingest", "transform", "load"]],
    ["infra/cdk.json", ["stateful", "ingest", "transform", "load"]],
    ["infra/package.json", ["stateful", "ingest", "transform", "load"]],
    ["infra/test/load-stack.test.ts", []],
    ["infra/src/settings.test.ts", []],
    ["infra/src/deploy/affected.ts", []],
    ["infra/src/bundles.ts", []],
    ["infra/README.md", []],
  ])("%s deploys %j", (file, stacks) => {
    expect(stacksOfInfraFile(file)).toEqual(stacks);
  });
});

describe("planDeploy", () => {
  it("deploys the apps that depend on a changed package, saying why", () => {
    const plan = planDeploy({
      base: "main",
      changedPackages: ["@etl/db"],
      affectedPackages: ["@etl/db", "@etl/ingest", "@etl/load", "@etl/infra", "@etl/local"],
      infraFiles: [],
    });

    expect(plan.stacks).toEqual([
      { stack: "EtlIngest", reasons: ["@etl/ingest depends on a changed package"] },
      { stack: "EtlLoad", reasons: ["@etl/load depends on a changed package"] },
    ]);
    expect(plan.statefulChanged).toBe(false);
  });

  it("deploys the stateful stack only for a change to it, and says so", () => {
    const plan = planDeploy({
      base: "main",
      changedPackages: ["@etl/infra"],
      affectedPackages: ["@etl/infra"],
      infraFiles: ["infra/src/stacks/stateful-stack.ts"],
      prefix: "Dev",
    });

    expect(plan.stacks).toEqual([
      { stack: "DevStateful", reasons: ["infra changed: src/stacks/stateful-stack.ts"] },
    ]);
    expect(formatPlan(plan)).toContain("Stateful stack changed: review `cdk diff` first.");
  });

  it("says there is nothing to deploy when only tests and docs changed", () => {
    const plan = planDeploy({
      base: "HEAD~1",
      changedPackages: ["@etl/infra"],
      affectedPackages: ["@etl/infra"],
      infraFiles: ["infra/README.md", "infra/test/nag.test.ts"],
    });

    expect(plan.stacks).toEqual([]);
    expect(formatPlan(plan)).toMatch(/Nothing to deploy\.$/);
  });

  it("lists the stacks with their reasons, and no infra files or stateful warning when there are none", () => {
    const plan = planDeploy({
      base: "main",
      changedPackages: ["@etl/transform"],
      affectedPackages: ["@etl/transform"],
      infraFiles: [],
    });

    expect(formatPlan(plan)).toBe(
      [
        "Changes since main:",
        "  changed packages: @etl/transform",
        "  affected apps: @etl/transform",
        "Stacks to deploy:",
        "  EtlTransform  @etl/transform changed",
      ].join("\n"),
    );
  });
});
