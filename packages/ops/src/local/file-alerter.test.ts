import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileAlerter } from "./file-alerter";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("createFileAlerter", () => {
  it("appends one redacted JSON line per alert and prints a one-line summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "alerts-"));
    dirs.push(dir);
    const path = join(dir, "nested", "alerts.jsonl");
    const printed: string[] = [];
    const alerter = createFileAlerter(path, {
      clock: () => new Date("2026-11-23T14:15:00.000Z"),
      print: (l) => printed.push(l),
    });

    await alerter.alert({
      stage: "ingest",
      runId: "R1",
      subject: "database unreachable",
      detail: { url: "postgres://u:pw@h/d" },
    });
    await alerter.alert({
      stage: "load",
      runId: "R2",
      table: "dim_staff",
      key: "star/dim_staff/a.parquet",
      subject: "COPY failed",
      detail: {},
    });

    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        subject: "ETL ingest: database unreachable",
        message: {
          stage: "ingest",
          runId: "R1",
          subject: "database unreachable",
          at: "2026-11-23T14:15:00.000Z",
          detail: { url: "postgres://u:***@h/d" },
        },
      },
      {
        subject: "ETL load dim_staff a.parquet: COPY failed",
        message: expect.objectContaining({ table: "dim_staff", key: "star/dim_staff/a.parquet" }),
      },
    ]);
    expect(printed).toEqual([
      "ALERT ETL ingest: database unreachable (run R1)",
      "ALERT ETL load dim_staff a.parquet: COPY failed (run R2)",
    ]);
  });
});
