import { describe, expect, it } from "vitest";
import { freePort } from "../../src/services/ports";
import { addressOf, isNotAnswering, probeCloud, serviceErrorMessage } from "../../src/services/probe";
import { cloud } from "../../src/testing";

describe("isNotAnswering", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const loop: { cause?: unknown } = {};
  loop.cause = loop;

  it.each([
    ["a refused connection", refused, true],
    ["a refusal wrapped as the cause", new Error("request failed", { cause: refused }), true],
    ["a refusal among several attempts", new AggregateError([new Error("x"), refused]), true],
    ["pg's connection timeout", new Error("timeout expired"), true],
    ["a server that hung up", new Error("Connection terminated unexpectedly"), true],
    ["an error of the service itself", Object.assign(new Error("denied"), { code: "28P01" }), false],
    ["a cause that loops back on itself", loop, false],
    ["no error at all", undefined, false],
    ["a string", "ECONNREFUSED", false],
  ])("%s: %s", (_what, error, expected) => {
    expect(isNotAnswering(error)).toBe(expected);
  });
});

describe("addressOf", () => {
  it.each([
    ["postgres://etl:secret@127.0.0.1:5433/totesys", "127.0.0.1:5433"],
    ["postgresql://etl:secret@db.example/totesys", "db.example:5432"],
    ["postgres://etl@db/totesys", "db:5432"],
    ["https://s3.example", "s3.example:443"],
    ["http://localhost", "localhost:80"],
  ])("%s is at %s, without the password", (url, address) => {
    expect(addressOf(url)).toBe(address);
  });
});

describe("serviceErrorMessage", () => {
  it("tells the operator to start the services when nothing answers", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

    expect(serviceErrorMessage("S3", "http://127.0.0.1:9000", error)).toBe(
      "S3 at 127.0.0.1:9000 is not answering: run `etl up`",
    );
  });

  it("names the service and its error otherwise, never the URL's password", () => {
    const message = serviceErrorMessage("PostgreSQL", "postgres://u:hunter2@h:1/d", new Error("bad auth"));

    expect(message).toBe("PostgreSQL at h:1: bad auth");
    expect(serviceErrorMessage("S3", "http://h", "odd")).toBe("S3 at h:80: odd");
  });
});

describe("probeCloud", () => {
  it("finds every service of the run's local cloud answering", async () => {
    const probes = await probeCloud(cloud());

    expect(probes.map((p) => [p.label, p.ok])).toEqual([
      ["PostgreSQL (totesys)", true],
      ["PostgreSQL (warehouse)", true],
      ["S3", true],
      ["DynamoDB", true],
    ]);
  });

  it("reports services that do not answer with the address and what to do", async () => {
    const port = await freePort();
    const dead = `http://127.0.0.1:${port}`;

    const probes = await probeCloud({
      ...cloud(),
      s3Endpoint: dead,
      warehouseUrl: `postgres://u:p@127.0.0.1:${port}/w`,
    });

    expect(probes.filter((p) => !p.ok).map((p) => p.message)).toEqual([
      `PostgreSQL (warehouse) at 127.0.0.1:${port} is not answering: run \`etl up\``,
      `S3 at 127.0.0.1:${port} is not answering: run \`etl up\``,
    ]);
  });
});
