import { join } from "node:path";
import { REPO_ROOT } from "./paths";

export type AppName = "ingest" | "transform" | "load";

/** A Lambda entry point: the app that owns it and the file exporting `handler`. */
export interface HandlerSpec {
  app: AppName;
  /** Short name, unique within the app: used in construct ids and bundle reports. */
  handler: string;
  /** Path of the entry file from the repository root. */
  entry: string;
  /** Expected to carry the Parquet WASM module (the transform writes Parquet; nothing else should). */
  wasm: boolean;
}

/** Every Lambda entry point of the pipeline. */
export const HANDLERS = {
  ingest: { app: "ingest", handler: "handler", entry: "apps/ingest/src/handler.ts", wasm: false },
  transform: { app: "transform", handler: "handler", entry: "apps/transform/src/handler.ts", wasm: true },
  loadRuns: { app: "load", handler: "handler", entry: "apps/load/src/runs/handler.ts", wasm: false },
  loadFiles: { app: "load", handler: "files-handler", entry: "apps/load/src/files/handler.ts", wasm: false },
  loadCompletion: {
    app: "load",
    handler: "completion-handler",
    entry: "apps/load/src/runs/completion-handler.ts",
    wasm: false,
  },
} as const satisfies Record<string, HandlerSpec>;

export function entryPath(spec: HandlerSpec): string {
  return join(REPO_ROOT, spec.entry);
}
