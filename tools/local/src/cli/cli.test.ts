import { afterEach, describe, expect, it, vi } from "vitest";
import { describeError, runEtl } from "./cli";

/** Runs one command line in this process; refusals return before any service is opened. */
async function etl(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture(out));
  vi.spyOn(process.stderr, "write").mockImplementation(capture(err));
  const code = await runEtl(argv);
  vi.restoreAllMocks();
  return { code, out: out.join(""), err: err.join("") };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("runEtl", () => {
  it("an unknown command is a usage error", async () => {
    expect(await etl("frobnicate")).toEqual({
      code: 2,
      out: "",
      err: 'etl: unknown command "frobnicate": `etl help` lists them\n',
    });
  });

  it("<command> --help prints the command's usage and exits 0", async () => {
    const result = await etl("skip", "--help");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^usage: etl skip <runId> --reason "\.\.\."/);
  });

  it("an option the command does not take is a usage error naming the command's usage", async () => {
    const result = await etl("load", "--nope");

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^etl load: Unknown option '--nope'/);
    expect(result.err).toContain("usage: etl load [<runId> ...] [--data-dir DIR] (`etl help load` for more)");
  });

  it.each([
    [
      ["skip"],
      "etl skip: give the run id to skip (like 20261123T141500123Z-00000042); `etl status` shows the blocked one",
    ],
    [["skip", "20261123T141500123Z-00000042"], 'etl skip: say why: --reason "..." (it is kept in the audit)'],
    [
      ["skip", "20261123T141500123Z-00000042", "--reason", "x", "--stage", "ingest"],
      'etl skip: --stage must be one of transform, load, got "ingest"',
    ],
    [["load", "run-1"], 'etl load: "run-1" is not a run id: run ids look like 20261123T141500123Z-00000042'],
    [["replay"], "etl replay: give a run id, an s3://bucket/key or --dead-letters"],
    [["quarantine"], "etl quarantine: give list, show <runId> or retry <runId | --all>"],
    [["quarantine", "show"], "etl quarantine: etl quarantine show needs a run id"],
    [["quarantine", "retry"], "etl quarantine: etl quarantine retry needs a run id or --all"],
    [
      ["quarantine", "show", "r1"],
      'etl quarantine: "r1" is not a run id; `etl quarantine list` lists the runs',
    ],
  ])("refuses %j with exit 2 before opening anything", async (argv, message) => {
    const result = await etl(...argv);

    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toContain(message);
  });

  it("etl doctor without --aws says it checks a deployed stack, and how to run it", async () => {
    expect(await etl("doctor")).toEqual({
      code: 1,
      out: "",
      err: "etl doctor: etl doctor checks a deployed stack: run it as etl doctor --aws (see --help)\n",
    });
  });

  it("a failure is one line on stderr and exit 1", async () => {
    expect(await etl("bench", "--scale", "99")).toEqual({
      code: 1,
      out: "",
      err: "etl bench: --scale must be an integer of at least 100\n",
    });
  });

  it("prints the stack with ETL_DEBUG=1", async () => {
    vi.stubEnv("ETL_DEBUG", "1");
    try {
      const result = await etl("bench", "--scale", "10");

      expect(result.code).toBe(1);
      expect(result.err).toMatch(
        /^etl bench: RangeError: --scale must be an integer of at least 100\n\s+at /,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("describeError", () => {
  it("joins a zod error's issues with their paths", () => {
    const error = Object.assign(new Error("[...]"), {
      name: "ZodError",
      issues: [
        { path: ["config", 0], message: "Required" },
        { path: [], message: "Bad" },
      ],
    });

    expect(describeError(error)).toBe("config.0: Required; Bad");
  });

  it("names the services to check when one is not answering", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

    expect(describeError(error)).toMatch(/^a service is not answering: run `etl up`/);
  });

  it("says a bare SDK error failed without a message, with its HTTP status", () => {
    const error = Object.assign(new Error("UnknownError"), {
      name: "S3ServiceException",
      $metadata: { httpStatusCode: 503 },
    });

    expect(describeError(error)).toBe(
      "S3ServiceException (HTTP 503): the request failed without a message; ETL_DEBUG=1 shows the details",
    );
    expect(describeError(Object.assign(new Error(""), { name: "Oops" }))).toBe(
      "Oops: the request failed without a message; ETL_DEBUG=1 shows the details",
    );
  });

  it("keeps the first line of a message, and prints what is not an Error as text", () => {
    expect(describeError(new Error("first\nsecond"))).toBe("first");
    expect(describeError("plain")).toBe("plain");
  });
});
