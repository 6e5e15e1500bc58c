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

export function parse(command: Command, argv: string[]) {
  return parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true }) as {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
  };
}

/** Progress and results go to stdout; diagnostics to stderr. */
export const out = (line = "") => process.stdout.write(`${line}\n`);
export const err = (line = "") => process.stderr.write(`${line}\n`);
