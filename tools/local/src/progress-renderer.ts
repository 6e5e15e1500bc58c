import type { StageProgress } from "@etl/ops";

/** Where progress goes: stdout, or a fake in tests. `isTTY` and `columns` as Node's streams have them. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressRendererOptions {
  stream: ProgressStream;
  /** `--quiet`: nothing is written at all. */
  quiet?: boolean;
  /** Milliseconds, for rates and redraws (default `performance.now`). */
  now?: () => number;
  /** The live line is redrawn at most this often, and never for a table shorter than it (250 ms). */
  redrawMs?: number;
}

export interface ProgressRenderer {
  /** The port a stage reports to; its lines are labelled with the stage's name. */
  stage(name: string): StageProgress;
  /** A line of the command's own (a stage's summary), printed below any live line. */
  line(text: string): void;
  /** Blanks the live line, if one is shown, so that other output starts on a clean line. */
  clear(): void;
}

const count = (n: number) => Math.round(n).toLocaleString("en-GB");
const perSecond = (rows: number, ms: number) => (ms > 0 ? (rows * 1000) / ms : rows);

/** Seconds left as people read them: "3 s", "1 min 01 s". */
export function formatEta(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole <= 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}

/**
 * Draws what the stages report (`StageProgress`): one line per finished table with its rows and
 * rows/s (none for a table with no rows), always; on a TTY also one live line for the table in progress (rows, rate, and an ETA
 * when the stage gave an estimate), redrawn in place with a carriage return. Off a TTY (CI, a
 * pipe, a file) only the finished lines are written: no redraws, and no escape codes anywhere,
 * so `NO_COLOR` has nothing to turn off.
 */
export function createProgressRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const { stream } = options;
  const now = options.now ?? (() => performance.now());
  const redrawMs = options.redrawMs ?? 250;
  const live = stream.isTTY === true;
  const quiet = options.quiet === true;
  /** Characters of the live line on screen; 0 when none is. */
  let shown = 0;
  const tables = new Map<string, { started: number; drawn: number; expected?: number; step?: string }>();

  const clear = () => {
    if (shown === 0) return;
    stream.write(`\r${" ".repeat(shown)}\r`);
    shown = 0;
  };
  const line = (text: string) => {
    if (quiet) return;
    clear();
    stream.write(`${text}\n`);
  };
  const head = (stage: string, table: string) => `  ${stage.padEnd(10)} ${table.padEnd(20)}`;

  return {
    line,
    clear,
    stage(name: string): StageProgress {
      const key = (table: string) => `${name}\u0000${table}`;
      return {
        tableStarted(table, expectedRows) {
          const at = now();
          tables.set(key(table), {
            started: at,
            drawn: at,
            ...(expectedRows === undefined ? {} : { expected: expectedRows }),
          });
        },
        rows(table, rows, step) {
          if (quiet || !live) return;
          const state = tables.get(key(table));
          const at = now();
          // A new step is drawn at once: it may last long with no further call (a merge).
          if (!state || (at - state.drawn < redrawMs && step === state.step)) return;
          state.drawn = at;
          if (step === undefined) delete state.step;
          else state.step = step;
          const rate = perSecond(rows, at - state.started);
          const { expected } = state;
          const eta =
            expected !== undefined && rows < expected && rate > 0 ? (expected - rows) / rate : undefined;
          const after = step ?? (eta === undefined ? undefined : `ETA ${formatEta(eta)}`);
          const text =
            `${head(name, table)} ${count(rows).padStart(10)}${expected === undefined ? "" : ` / ~${count(expected)}`}` +
            ` rows ${count(rate).padStart(10)} rows/s${after === undefined ? "" : `  ${after}`}`;
          // A line as wide as the terminal wraps, and the carriage return would then redraw only its end.
          const fitted = stream.columns ? text.slice(0, stream.columns - 1) : text;
          stream.write(`\r${fitted}${" ".repeat(Math.max(0, shown - fitted.length))}`);
          shown = fitted.length;
        },
        tableFinished(table, rows, durationMs) {
          tables.delete(key(table));
          // A table with no rows (no change since the watermark) is noise on every incremental run.
          if (rows === 0) {
            clear();
            return;
          }
          line(
            `${head(name, table)} ${count(rows).padStart(10)} rows in ${(durationMs / 1000).toFixed(1)} s` +
              ` ${count(perSecond(rows, durationMs)).padStart(10)} rows/s`,
          );
        },
      };
    },
  };
}
