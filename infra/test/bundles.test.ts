import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUNDLE_BUDGET_BYTES, measureBundles } from "../src/bundles";
import { entryPath, HANDLERS, type HandlerSpec } from "../src/handlers";

const WASM_FIXTURE: HandlerSpec = {
  app: "transform",
  handler: "fixture",
  entry: "infra/test/fixtures/wasm-handler.ts",
  wasm: true,
};

describe("measureBundles", () => {
  it("reports the bundle's bytes, the WASM module beside it, and the time to import it", async () => {
    const [m] = await measureBundles({ handlers: [WASM_FIXTURE], measureInit: true });

    expect(m).toMatchObject({ app: "transform", handler: "fixture", entry: WASM_FIXTURE.entry });
    expect(m && "bytes" in m ? m.bytes : 0).toBeGreaterThan(0);
    expect(m && "bytes" in m ? m.bytes : Number.POSITIVE_INFINITY).toBeLessThan(2_000);
    expect(m && "wasmBytes" in m ? m.wasmBytes : 0).toBeGreaterThan(1_000_000);
    expect(m && "initMs" in m ? typeof m.initMs : "missing").toBe("number");
  });

  it("reports a handler whose entry does not exist instead of failing the others", async () => {
    const missing: HandlerSpec = {
      app: "load",
      handler: "nowhere",
      entry: "apps/load/src/nowhere.ts",
      wasm: false,
    };

    const results = await measureBundles({ handlers: [missing, WASM_FIXTURE] });

    expect(results[0]).toEqual({
      app: "load",
      handler: "nowhere",
      entry: "apps/load/src/nowhere.ts",
      error: "entry not found: apps/load/src/nowhere.ts",
    });
    expect(results[1]).toHaveProperty("bytes");
  });
});

describe("measureBundles, when a handler fails", () => {
  const fixture = (name: string): HandlerSpec => ({
    app: "load",
    handler: name,
    entry: `infra/test/fixtures/${name}.ts`,
    wasm: false,
  });

  it("reports a handler that throws at import with its error, and still its size", async () => {
    const [m] = await measureBundles({ handlers: [fixture("failing-init-handler")], measureInit: true });

    expect(m && "bytes" in m ? m.bytes : 0).toBeGreaterThan(0);
    expect(m && "initError" in m ? m.initError : undefined).toBe("Error: config refused at cold start");
    expect(m).not.toHaveProperty("initMs");
  });

  it("reports a handler whose import never finishes as timed out", async () => {
    const [m] = await measureBundles({
      handlers: [fixture("slow-init-handler")],
      measureInit: true,
      initTimeoutMs: 1_500,
    });

    expect(m && "initError" in m ? m.initError : undefined).toBe("timed out after 1500 ms");
  });

  it("reports a handler that does not bundle with esbuild's first line, instead of failing the others", async () => {
    const results = await measureBundles({ handlers: [fixture("broken-handler"), fixture("plain-handler")] });

    expect(results[0]).toEqual({
      app: "load",
      handler: "broken-handler",
      entry: "infra/test/fixtures/broken-handler.ts",
      error: "Build failed with 1 error:",
    });
    expect(results[1]).toHaveProperty("bytes");
  });
});

describe("the pipeline's handlers", () => {
  const written = Object.values(HANDLERS).filter((spec) => existsSync(entryPath(spec)));

  it("bundle within 1.5 MB each (WASM aside) and import cleanly, the transform with its WASM module", async () => {
    const results = await measureBundles({ handlers: written, measureInit: true });

    expect(results.length).toBeGreaterThan(0);
    for (const m of results) {
      const where = `${m.app}/${m.handler}`;
      expect("error" in m ? `${where}: ${m.error}` : where).toBe(where);
      if ("error" in m) continue;
      expect(m.initError, where).toBeUndefined();
      expect(m.bytes, where).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      if (m.app === "transform") expect(m.wasmBytes, where).toBeGreaterThan(1_000_000);
    }
  });
});
