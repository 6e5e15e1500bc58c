import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings, parseSettings, stackNames } from "./settings";

describe("settings", () => {
  it("has defaults for everything but the secrets and the Redshift target", () => {
    const settings = parseSettings({});

    expect(settings).toMatchObject({
      stackPrefix: "Etl",
      warehouseTarget: "postgres",
      alertEmails: [],
      ingestRateMinutes: 15,
      logRetentionDays: 30,
      subnetIds: [],
      bundle: true,
    });
  });

  it.each([
    [
      ["a@example.com", "b@example.com"],
      ["a@example.com", "b@example.com"],
    ],
    ["a@example.com, b@example.com", ["a@example.com", "b@example.com"]],
    ["", []],
  ])("reads a list from JSON or from a comma-separated -c value (%j)", (given, expected) => {
    const settings = parseSettings(given === "" ? {} : { alertEmails: given });

    expect(settings.alertEmails).toEqual(expected);
  });

  it.each([
    [{ warehouseTarget: "mysql" }, "warehouseTarget"],
    [{ ingestRateMinutes: "0" }, "ingestRateMinutes"],
    [{ logRetentionDays: 31 }, "logRetentionDays"],
    [{ stackPrefix: "etl-dev" }, "stackPrefix"],
    [{ subnetIds: "subnet-0a1b2c3d,vpc-0a1b2c3d" }, "subnetIds.1"],
    [{ subnetIds: "subnet-0a1b2c3d" }, "securityGroupIds"],
    [
      { redshiftWorkgroupArn: "arn:aws:redshift-serverless:eu-west-2:123456789012:workgroup/etl" },
      "redshiftWorkgroupArn",
    ],
  ])("refuses %j, naming the key", (input, key) => {
    expect(() => parseSettings(input)).toThrow(new RegExp(`invalid CDK context: ${key}: `));
  });

  it("reads a settings file named by `config`, and context values override it key by key", () => {
    const dir = mkdtempSync(join(tmpdir(), "etl-settings-"));
    writeFileSync(
      join(dir, "prod.json"),
      JSON.stringify({ warehouseTarget: "redshift", redshiftDatabase: "dev", ingestRateMinutes: 30 }),
    );
    const context: Record<string, unknown> = {
      config: "prod.json",
      ingestRateMinutes: "5",
      redshiftDatabase: "",
    };

    const settings = loadSettings((key) => context[key], dir);

    expect(settings.warehouseTarget).toBe("redshift");
    expect(settings.ingestRateMinutes).toBe(5);
    expect(settings.redshiftDatabase).toBeUndefined();
  });

  it("asks for a settings file when none is given, before any variable is judged", () => {
    expect(() => loadSettings(() => undefined)).toThrow(
      /no settings file: pass -c config=config\/<name>\.json \(config\/example\.json to try it\)/,
    );
  });

  it("names the settings file it cannot read", () => {
    expect(() => loadSettings((key) => (key === "config" ? "missing.json" : undefined), "/nowhere")).toThrow(
      /config: cannot read \/nowhere\/missing.json/,
    );
  });

  it("refuses a `config` context value that is not a file path", () => {
    expect(() => loadSettings((key) => (key === "config" ? 42 : undefined))).toThrow(
      "invalid CDK context: config: must be a file path",
    );
  });

  it("names the stacks from the prefix", () => {
    expect(stackNames("Dev")).toEqual({
      stateful: "DevStateful",
      ingest: "DevIngest",
      transform: "DevTransform",
      load: "DevLoad",
    });
  });
});
