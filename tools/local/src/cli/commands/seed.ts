import { type RunningCloud, readCloudState, redactUrl, startLocalCloud } from "@etl/local-cloud";
import {
  applyChanges,
  MAX_SCALE,
  MIN_SCALE,
  NotEmptyError,
  NotSeededError,
  type SeedProgress,
  seedDatabase,
} from "@etl/synthetic";
import { type LocalEnvironment, openLocalEnvironment } from "../../environment";
import { resetPipelineState } from "../../reset";
import { type Command, defaultDataDir, err, out } from "../command";

const count = (n: number) => n.toLocaleString("en-GB");

function integerOption(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value).replaceAll("_", "").replaceAll(",", "");
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new RangeError(
      `--${name} must be an integer from ${count(min)} to ${count(max)}, got ${String(value)}`,
    );
  }
  return n;
}

function printProgress(event: SeedProgress): void {
  if (event.kind === "step") {
    out(`  ${event.step.padEnd(28)} ${event.seconds.toFixed(1).padStart(26)} s`);
    return;
  }
  const rate = event.seconds > 0 ? Math.round(event.rows / event.seconds) : 0;
  out(
    `  ${event.table.padEnd(28)} ${count(event.rows).padStart(11)} rows ${event.seconds.toFixed(1).padStart(9)} s ${count(rate).padStart(11)} rows/s`,
  );
}

/**
 * Where to seed: `--database-url`, else DATABASE_URL, else the local cloud of `etl up`; with
 * none of them, a local cloud started for the duration of the command (its data persists under
 * the data folder, like `etl up`'s).
 */
async function target(values: Record<string, unknown>): Promise<{ url: string; started?: RunningCloud }> {
  const explicit = (values["database-url"] as string | undefined) ?? process.env.DATABASE_URL;
  if (explicit) return { url: explicit };
  const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
  const running = readCloudState(dataDir);
  if (running) return { url: running.databaseUrl };
  out("no local cloud is running: starting one for this command");
  const started = await startLocalCloud({ dataDir });
  return { url: started.endpoints.databaseUrl, started };
}

/**
 * A reseeded totesys is a new source: the pipeline's memory of the old one (watermarks, runs,
 * queues, the warehouse's star tables and ledger) goes with it, or the next run would read
 * nothing. Only when the pipeline's services are the local ones (or all named by the variables);
 * a totesys named by --database-url alone leaves the pipeline as it is, and says so.
 */
async function resetPipeline(values: Record<string, unknown>, url: string): Promise<void> {
  const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
  let local: LocalEnvironment;
  try {
    local = await openLocalEnvironment(dataDir, { start: false });
  } catch {
    out("  pipeline state: no local services for it, nothing to reset");
    return;
  }
  try {
    if (local.endpoints.databaseUrl !== url) {
      out("  pipeline state: left as it is (its services read another totesys than the one reseeded)");
      return;
    }
    const reset = await resetPipelineState(local);
    out(
      `  pipeline state reset: ${count(reset.objects)} objects, tables ${reset.tables.join(", ") || "(none)"}, schemas ${reset.schemas.join(", ")}, local queues; the next \`etl run\` reads everything`,
    );
  } finally {
    await local.close();
  }
}

export const seed: Command = {
  name: "seed",
  summary: "fill the totesys database with deterministic synthetic data, or apply a day of changes",
  usage:
    "etl seed [--scale N] [--seed S] [--reset] [--changes] [--database-url URL] [--data-dir DIR]\n\n" +
    `  --scale N          sales orders to generate, ${count(MIN_SCALE)} to ${count(MAX_SCALE)} (default 11,000, the real size)\n` +
    "  --seed S           seed of the generator (default 1): the same seed and scale give the same rows\n" +
    "  --reset            replace the totesys tables even when they hold rows, and reset the pipeline\n" +
    "                     (watermarks, runs, queues, the warehouse's star tables and ledger)\n" +
    "  --changes          apply a day of changes (new orders, updates, payments paid, an address and a\n" +
    "                     department changed) stamped with the database clock, for incremental runs\n" +
    "  --database-url URL the totesys database (default: DATABASE_URL, else the local cloud)",
  options: {
    scale: { type: "string" },
    seed: { type: "string" },
    reset: { type: "boolean" },
    changes: { type: "boolean" },
    "database-url": { type: "string" },
    "data-dir": { type: "string" },
  },
  async run({ values }) {
    let scale: number;
    let seedValue: number;
    try {
      scale = integerOption(values.scale, "scale", MIN_SCALE, MAX_SCALE, 11_000);
      seedValue = integerOption(values.seed, "seed", 0, 0xffffffff, 1);
    } catch (error) {
      err(`etl seed: ${(error as Error).message}`);
      return 2;
    }
    const { url, started } = await target(values);
    try {
      if (values.changes) {
        out(`applying a day of changes (seed ${seedValue}) to ${redactUrl(url)}`);
        const summary = await applyChanges({ databaseUrl: url, seed: seedValue });
        for (const [table, n] of Object.entries(summary.inserted))
          out(`  ${table.padEnd(16)} +${count(n)} new`);
        for (const [table, n] of Object.entries(summary.updated))
          out(`  ${table.padEnd(16)} ${count(n)} updated`);
        return 0;
      }
      out(`seeding totesys (scale ${count(scale)}, seed ${seedValue}) into ${redactUrl(url)}`);
      const result = await seedDatabase({
        databaseUrl: url,
        seed: seedValue,
        scale,
        reset: values.reset === true,
        onProgress: printProgress,
      });
      out(
        `  ${"total".padEnd(28)} ${count(result.rows).padStart(11)} rows ${result.seconds.toFixed(1).padStart(9)} s ${count(Math.round(result.rows / result.seconds)).padStart(11)} rows/s`,
      );
      if (values.reset === true) await resetPipeline(values, url);
      return 0;
    } catch (error) {
      if (error instanceof NotEmptyError || error instanceof NotSeededError) {
        err(`etl seed: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      await started?.stop();
    }
  },
};
