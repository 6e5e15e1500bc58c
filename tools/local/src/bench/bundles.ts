import { measureBundles } from "@etl/infra/bundles";

export interface BundleRow {
  bundle: string;
  bytes: number;
  wasm_bytes: number | null;
  init_ms: number | null;
  error?: string;
}

const BUDGET = 1.5 * 1024 * 1024;

/** Each Lambda bundle as CDK builds it (esbuild, ESM, minified), its size and its cold init time. */
export async function benchBundles(log: (line: string) => void): Promise<BundleRow[]> {
  log("bundles: esbuild each handler as the CDK construct does, then import it in a fresh process");
  const measured = await measureBundles({ measureInit: true });
  return measured.map((m) =>
    "error" in m
      ? { bundle: `${m.app}/${m.handler}`, bytes: 0, wasm_bytes: null, init_ms: null, error: m.error }
      : {
          bundle: `${m.app}/${m.handler}`,
          bytes: m.bytes,
          wasm_bytes: m.wasmBytes ?? null,
          init_ms: m.initMs ?? null,
          ...(m.initError ? { error: m.initError } : {}),
        },
  );
}

export function formatBundles(rows: BundleRow[]): string[] {
  const lines = [
    `${"bundle".padEnd(30)} ${"minified".padStart(10)} ${"wasm".padStart(10)} ${"init ms".padStart(8)}  budget 1.5 MB`,
  ];
  for (const r of rows) {
    const kb = (n: number | null) => (n === null ? "-" : `${(n / 1024).toFixed(0)} KB`);
    const verdict = r.error ? `error: ${r.error}` : r.bytes <= BUDGET ? "ok" : "OVER";
    lines.push(
      `${r.bundle.padEnd(30)} ${kb(r.bytes).padStart(10)} ${kb(r.wasm_bytes).padStart(10)} ${String(r.init_ms ?? "-").padStart(8)}  ${verdict}`,
    );
  }
  return lines;
}
