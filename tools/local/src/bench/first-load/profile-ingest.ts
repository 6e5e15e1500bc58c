import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { openSourceSnapshot } from "@etl/db/source";
import type { CloudEndpoints } from "@etl/local-cloud";
import { SOURCE_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { runCase } from "../measure";

// The ingest's CPU on each side, for a first load of the seeded totesys of a running local cloud
// (`etl up`, or the bench's own under <data>/bench while it runs): PostgreSQL's backends and the
// ingest's Node process counted apart, since on a shared machine wall time is noise. Not a
// benchmark (no reference); it says where the ingest's CPU goes (docs/decisions.md).
//
//   node --import tsx src/bench/first-load/profile-ingest.ts <cloud data dir> stage [runs]
//     the bench's first-load ingest case (3 connections, gzip, upload to the local S3) in a
//     process of its own; PostgreSQL: the postmaster's own and reaped children's CPU
//   node --import tsx src/bench/first-load/profile-ingest.ts <cloud data dir> tables [runs]
//     `streamTable` of every table on one connection into an md5 of the JSON Lines;
//     PostgreSQL: that backend's CPU, Node: this process's
//
// Compare two versions by running it on each, alternately.

const [dataDir, mode = "stage", runsArg = "1"] = process.argv.slice(2);
if (!dataDir || (mode !== "stage" && mode !== "tables"))
  throw new Error("usage: profile-ingest <cloud data dir> stage|tables [runs]");
const cloud = JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as CloudEndpoints & {
  postgresPid: number;
};

/** utime, stime, cutime, cstime of a process, in seconds. */
function cpu(pid: number | "self"): { own: number; children: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ").map(Number) ?? [];
  const tick = (i: number) => (fields[i] ?? 0) / 100;
  return { own: tick(11) + tick(12), children: tick(13) + tick(14) };
}
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const s = (n: number) => `${n.toFixed(2)} s`;

async function stage(): Promise<string> {
  const suffix = randomUUID().slice(0, 8);
  const names = {
    INGEST_BUCKET: `pi-ingest-${suffix}`,
    PROCESSED_BUCKET: `pi-processed-${suffix}`,
    LANDING_BUCKET: `pi-landing-${suffix}`,
    STATE_TABLE: `pi-state-${suffix}`,
    AUDIT_TABLE: `pi-audit-${suffix}`,
    FAILURE_TABLE: `pi-failures-${suffix}`,
    READ_CONNECTIONS: "3",
  };
  const pg0 = cpu(cloud.postgresPid);
  const node0 = cpu("self").children;
  const result = await runCase("first-load-stage", {
    stage: "ingest",
    endpoints: cloud,
    localS3: true,
    names,
    warehouseUrl: cloud.warehouseUrl,
  });
  // The backends end with the ingest's connections; the postmaster reaps them just after.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const pg1 = cpu(cloud.postgresPid);
  const pgCpu = pg1.own - pg0.own + pg1.children - pg0.children;
  const nodeCpu = cpu("self").children - node0;
  return (
    `ingest stage: ${result.rows} rows, wall ${s(result.wall_s)}, PostgreSQL ${s(pgCpu)}, ` +
    `Node ${s(nodeCpu)}, sum ${s(pgCpu + nodeCpu)}, bucket ${names.INGEST_BUCKET}`
  );
}

async function tables(): Promise<string> {
  const client = new pg.Client({ connectionString: cloud.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
    const backend = rows[0]?.pid ?? 0;
    const snapshot = await openSourceSnapshot(client, 0);
    const md5 = createHash("md5");
    let bytes = 0;
    const pg0 = cpu(backend).own;
    const node0 = process.cpuUsage();
    for (const table of SOURCE_TABLE_NAMES) {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          bytes += chunk.length;
          done();
        },
      });
      await snapshot.streamTable(table, null, sink);
    }
    const node = process.cpuUsage(node0);
    const pgCpu = cpu(backend).own - pg0;
    const nodeCpu = (node.user + node.system) / 1e6;
    await snapshot.close();
    return (
      `streamTable, ${SOURCE_TABLE_NAMES.length} tables: ${bytes} bytes, md5 ${md5.digest("hex")}, ` +
      `PostgreSQL ${s(pgCpu)}, Node ${s(nodeCpu)}, sum ${s(pgCpu + nodeCpu)}`
    );
  } finally {
    await client.end();
  }
}

for (let run = 0; run < Number(runsArg); run++) {
  const before = load();
  const line = mode === "stage" ? await stage() : await tables();
  console.log(`${line}; load average ${before} -> ${load()}`);
}
