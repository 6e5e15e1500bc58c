import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { TransientError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRedshiftDataApi } from "./data-api";
import {
  createStatementRunner,
  defaultRetryDelayMs,
  type StatementRunnerOptions,
  StatementStillRunningError,
} from "./statement-runner";

const redshift = mockClient(RedshiftDataClient);
const SERIALIZATION = "ERROR: 1023 DETAIL: Serializable isolation violation on table - 101";
const WHERE = { Database: "dev", WorkgroupName: "etl" };

/** Simulated time: every pause moves the clock, so the deadline is reached without waiting. */
function runner(options: Partial<StatementRunnerOptions> = {}) {
  let now = 1_000_000;
  const pauses: number[] = [];
  const api = createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
    workgroupName: "etl",
    database: "dev",
  });
  const statements = createStatementRunner({
    api,
    serializationRetries: 2,
    retryDelayMs: () => 2_000,
    now: () => now,
    sleep: async (ms) => {
      pauses.push(ms);
      now += ms;
    },
    ...options,
  });
  return { statements, pauses, now: () => now };
}

function alwaysSerializationFailure() {
  let n = 0;
  redshift.on(BatchExecuteStatementCommand).callsFake(async () => ({ Id: `batch-${++n}` }));
  redshift.on(DescribeStatementCommand).callsFake(async (input: { Id: string }) => ({
    Id: input.Id,
    Status: "FAILED",
    Error: SERIALIZATION,
  }));
}

beforeEach(() => {
  redshift.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createStatementRunner", () => {
  it("submits a batch, polls it to FINISHED and returns its status", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-1" });
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: "batch-1", Status: "STARTED" })
      .resolves({ Id: "batch-1", Status: "FINISHED" });
    const { statements } = runner();

    const status = await statements.run(
      { sqls: ["delete from t", "insert into t select 1"], name: "etl-x-1" },
      { deadline: 2_000_000 },
    );

    expect(status).toMatchObject({ id: "batch-1", state: "FINISHED" });
    expect(redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input)).toEqual([
      {
        ...WHERE,
        Sqls: ["delete from t", "insert into t select 1"],
        StatementName: "etl-x-1",
        WithEvent: true,
      },
    ]);
    expect(redshift.commandCalls(DescribeStatementCommand).map((c) => c.args[0].input)).toEqual([
      { Id: "batch-1" },
      { Id: "batch-1" },
    ]);
  });

  it("submits a single statement with its values as parameters", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "one-1" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "one-1", Status: "FINISHED" });
    const { statements } = runner();

    await statements.run(
      { sql: "select :k", name: "etl-x-2", parameters: { k: "v" } },
      { deadline: 2_000_000 },
    );

    expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toEqual([
      { ...WHERE, Sql: "select :k", StatementName: "etl-x-2", Parameters: [{ name: "k", value: "v" }] },
    ]);
  });

  it.each([0, 1, 3])(
    "resubmits after 1023 exactly %i times, as the setting says, then returns the failure",
    async (retries) => {
      alwaysSerializationFailure();
      const { statements, pauses } = runner({ serializationRetries: retries });
      const submitted: string[] = [];

      const status = await statements.run(
        { sqls: ["copy t"], name: "etl-x-3" },
        { deadline: 2_000_000, onSubmitted: async (id) => void submitted.push(id) },
      );

      expect(status).toMatchObject({ id: `batch-${retries + 1}`, state: "FAILED", error: SERIALIZATION });
      expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(retries + 1);
      expect(submitted).toEqual(Array.from({ length: retries + 1 }, (_, i) => `batch-${i + 1}`));
      expect(pauses.filter((ms) => ms === 2_000)).toHaveLength(retries);
    },
  );

  it("does not resubmit when the pause would run past the deadline", async () => {
    alwaysSerializationFailure();
    const { statements } = runner({ serializationRetries: 5, retryDelayMs: () => 60_000 });

    const status = await statements.run({ sqls: ["copy t"], name: "etl-x-4" }, { deadline: 1_030_000 });

    expect(status.state).toBe("FAILED");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });

  it("never resubmits a statement that failed for bad data or was aborted", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-1" });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: "batch-1", Status: "ABORTED", Error: SERIALIZATION });
    const { statements } = runner();

    const status = await statements.run({ sqls: ["copy t"], name: "etl-x-5" }, { deadline: 2_000_000 });

    expect(status.state).toBe("ABORTED");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });

  it("hands a statement still running at the deadline off as a retryable error carrying its id", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-slow" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "batch-slow", Status: "STARTED" });
    const { statements, now } = runner();

    const run = statements.run({ sqls: ["copy t"], name: "etl-x-6" }, { deadline: 1_060_000 });

    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatementStillRunningError);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as StatementStillRunningError).statementId).toBe("batch-slow");
    expect(now()).toBeLessThanOrEqual(1_060_000);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });

  it("polls one submission no longer than its poll budget", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-slow" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "batch-slow", Status: "STARTED" });
    const { statements, now } = runner();

    await expect(
      statements.run({ sqls: ["copy t"], name: "etl-x-7" }, { deadline: 2_000_000, pollBudgetMs: 10_000 }),
    ).rejects.toThrow(StatementStillRunningError);
    expect(now()).toBe(1_010_000);
  });

  it("resumes the statement an earlier attempt left running, without submitting", async () => {
    redshift
      .on(DescribeStatementCommand, { Id: "earlier" })
      .resolvesOnce({ Id: "earlier", Status: "STARTED" })
      .resolves({ Id: "earlier", Status: "FINISHED" });
    const { statements } = runner();

    const status = await statements.resume("earlier", { deadline: 2_000_000 });

    expect(status.state).toBe("FINISHED");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it("hands a resumed statement off again when it still runs at the deadline", async () => {
    redshift.on(DescribeStatementCommand).resolves({ Id: "earlier", Status: "PICKED" });
    const { statements } = runner();

    await expect(statements.resume("earlier", { deadline: 1_000_500 })).rejects.toMatchObject({
      statementId: "earlier",
      retryable: true,
    });
  });

  it("pauses a random time up to 2^(n-1) s before resubmission n, never above 30 s", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);

    const delays = [1, 2, 3, 6, 7, 20].map(defaultRetryDelayMs);

    expect(delays).toEqual([999, 1_999, 3_999, 29_999, 29_999, 29_999]);
  });
});
