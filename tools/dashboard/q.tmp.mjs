import pg from "pg";
import { readFileSync } from "node:fs";
const state = JSON.parse(readFileSync("/tmp/dash-bench/state.json", "utf8"));
const c = new pg.Client({ connectionString: state.warehouseUrl ?? state.endpoints?.warehouseUrl });
await c.connect();
for (const sql of process.argv.slice(2)) {
  const t = performance.now();
  const r = await c.query(sql);
  console.log((performance.now() - t).toFixed(0), "ms", JSON.stringify(r.rows.slice(0, 3)).slice(0, 300));
}
await c.end();
