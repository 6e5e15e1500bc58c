import { describe, expect, it } from "vitest";
import { formatBundles } from "./bundles";

describe("formatBundles", () => {
  it("prints each bundle's sizes in KB and its verdict against the 1.5 MB budget", () => {
    const lines = formatBundles([
      { bundle: "ingest/handler", bytes: 512 * 1024, wasm_bytes: null, init_ms: 120 },
      { bundle: "load/handler", bytes: 2 * 1024 * 1024, wasm_bytes: 1024, init_ms: null },
      { bundle: "transform/handler", bytes: 0, wasm_bytes: null, init_ms: null, error: "build failed" },
    ]);

    expect(lines).toEqual([
      `${"bundle".padEnd(30)}   minified       wasm  init ms  budget 1.5 MB`,
      `${"ingest/handler".padEnd(30)}     512 KB          -      120  ok`,
      `${"load/handler".padEnd(30)}    2048 KB       1 KB        -  OVER`,
      `${"transform/handler".padEnd(30)}       0 KB          -        -  error: build failed`,
    ]);
  });
});
