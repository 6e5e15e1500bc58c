import { createJsonLinesWriter, type ObjectStore, rawDataKey, runManifestKey } from "@etl/s3-io";
import type { RawRunManifest, RunId, SourceRowInput } from "@etl/schemas";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * The i-th synthetic sales order, shaped like totesys's: weekday office hours, millisecond
 * timestamps, prices 2.00 to 4.00, 1,000 to 100,000 units, agreed dates up to two years ahead.
 */
export function syntheticSalesOrder(i: number): SourceRowInput<"sales_order"> {
  const day = 1 + (i % 28);
  const month = 1 + (i % 12);
  const at = `2023-${pad(month)}-${pad(day)} ${pad(8 + (i % 11))}:${pad((i * 7) % 60)}:${pad((i * 13) % 60)}.${pad((i * 37) % 1000, 3)}000`;
  return {
    sales_order_id: i,
    created_at: at,
    last_updated: at,
    design_id: 1 + ((i * 31) % 500),
    staff_id: 1 + ((i * 7) % 20),
    counterparty_id: 1 + ((i * 11) % 20),
    units_sold: 1000 + ((i * 7919) % 99_001),
    unit_price: `${2 + (i % 2)}.${pad((i * 53) % 100)}`,
    currency_id: 1 + (i % 3),
    agreed_delivery_date: `${2023 + (i % 3)}-${pad(1 + ((i + 4) % 12))}-${pad(day)}`,
    agreed_payment_date: `${2023 + ((i + 1) % 3)}-${pad(1 + ((i + 7) % 12))}-${pad(day)}`,
    agreed_delivery_location_id: 1 + ((i * 17) % 30),
  };
}

/** Writes a raw run of `rows` synthetic sales orders (parts, then the manifest) to `bucket`. */
export async function writeSalesOrdersRaw(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
  options: { rows: number; maxPartBytes: number },
): Promise<RawRunManifest> {
  const writer = createJsonLinesWriter({
    store,
    bucket,
    keyForPart: (n) => rawDataKey("sales_order", runId, n),
    maxPartBytes: options.maxPartBytes,
  });
  for (let i = 1; i <= options.rows; i++) {
    const wait = writer.write(syntheticSalesOrder(i));
    if (wait) await wait;
  }
  const parts = await writer.close();
  const last = syntheticSalesOrder(options.rows).last_updated;
  const manifest: RawRunManifest = {
    schemaVersion: 1,
    kind: "raw",
    runId,
    sequence: Number(runId.slice(-8)),
    createdAt: new Date(0).toISOString(),
    snapshot: { databaseTime: last, upperBound: last, safetyLagSeconds: 0 },
    tables: [
      {
        table: "sales_order",
        files: parts.map((p) => ({ key: p.key, rows: p.rows, bytes: p.bytes, sha256: p.sha256 })),
        rows: options.rows,
        bytes: parts.reduce((n, p) => n + p.bytes, 0),
        watermark: { from: null, to: last },
      },
    ],
  };
  await store.put(bucket, runManifestKey(runId), JSON.stringify(manifest, null, 2), { ifNoneMatch: true });
  return manifest;
}
