import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The repository's root folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Where `etl` keeps local data unless ETL_DATA_DIR says otherwise: `<repo>/.etl`. */
export function defaultDataDir(): string {
  return process.env.ETL_DATA_DIR ?? resolve(repoRoot, ".etl");
}

export type Options = Record<
  string,
  { type: "string" | "boolean"; short?: string; default?: string | boolean }
>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }): Promise<number>;
}

/** Options every command takes: `--quiet` silences the stages' progress lines. */
export const GLOBAL_OPTIONS: Options = { quiet: { type: "boolean", short: "q" } };

export function parse(command: Command, argv: string[]) {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
  };
}

/** A command line the command cannot run as given: exit code 2, with the command's usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure whose message already says what went wrong and what to do: printed as it is. */
export class CliError extends Error {
  override name = "CliError";
}

/** Parses a whole-number option, or refuses it as a usage error. */
export function integerOption(value: unknown, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value).replaceAll("_", "").replaceAll(",", "");
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new UsageError(`--${name} must be a whole number of at least ${min}, got ${JSON.stringify(value)}`);
  return Number(text);
}

/** Progress and results go to stdout; diagnostics to stderr. */
export const out = (line = "") => process.stdout.write(`${line}\n`);
export const err = (line = "") => process.stderr.write(`${line}\n`);
