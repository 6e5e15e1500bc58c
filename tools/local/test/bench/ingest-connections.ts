/**
 * The first load's ingest (every table of the seeded totesys) on 1 and on N connections sharing
 * one snapshot, alternating, against `psql \copy (SELECT ...) TO STDOUT | gzip -6` of the same
 * tables on as many connections. The parts go to a local directory, so the source read and the
 * gzip are what is compared. Prints one line per attempt.
 *
 *   DATABASE_URL=postgres://.../totesys [CONNECTIONS=3] [ROUNDS=2] node --import tsx test/bench/ingest-connections.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { joinSourceSnapshot, openSourceSnapshot } from "@etl/db/source";
import { runIngest } from "@etl/ingest";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { SOURCE_TABLE_NAMES, type SourceTable } from "@etl/schemas";
import pg from "pg";
import { ingestReference } from "../../src/bench/first-load/references";
import { createDirectoryObjectStore } from "../../src/bench/transform";

const url = process.env.DATABASE_URL ?? "";
const connections = Number(process.env.CONNECTIONS ?? 3);
const rounds = Number(process.env.ROUNDS ?? 2);

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function ours(
  readConnections: number,
): Promise<{ seconds: number; rows: Record<SourceTable, number> }> {
  const dir = mkdtempSync(join(tmpdir(), "ingest-conn-"));
  try {
    const began = performance.now();
    const result = await runIngest(
      { bucket: "ingest", safetyLagSeconds: 0, partMaxBytes: 64 * 1024 * 1024, readConnections },
      {
        store: createDirectoryObjectStore(dir),
        state: createMemoryStateStore(),
        audit: createMemoryAuditLog(),
        alerter: createMemoryAlerter(),
        clock: () => new Date(),
        async openSnapshot(lag, lateCommitGuard) {
          const client = await connect();
          const snapshot = await openSourceSnapshot(client, lag, { lateCommitGuard });
          return { ...snapshot, release: () => client.end() };
        },
        async joinSnapshot(snapshotId, upperBound) {
          const client = await connect();
          const reader = await joinSourceSnapshot(client, { snapshotId, upperBound });
          return { ...reader, release: () => client.end() };
        },
      },
    );
    const rows = Object.fromEntries(result.tables.map((t) => [t.table, t.rows])) as Record<
      SourceTable,
      number
    >;
    return { seconds: (performance.now() - began) / 1000, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const first = await ours(1);
console.log(`round 0 ours 1 connection(s): ${first.seconds.toFixed(2)} s (warm-up)`);
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? [1, connections] : [connections, 1];
  for (const n of order) {
    const o = await ours(n);
    const dir = mkdtempSync(join(tmpdir(), "ingest-ref-"));
    const ref = await ingestReference({
      databaseUrl: url,
      rows: Object.fromEntries(SOURCE_TABLE_NAMES.map((t) => [t, first.rows[t] ?? 0])) as Record<
        SourceTable,
        number
      >,
      connections: n,
      dir,
    });
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `round ${round} ${n} connection(s): ours ${o.seconds.toFixed(2)} s, psql|gzip ${ref.toFixed(2)} s, ratio ${(o.seconds / ref).toFixed(2)}`,
    );
  }
}
