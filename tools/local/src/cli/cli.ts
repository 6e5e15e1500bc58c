import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isNotAnswering, ServiceStartError } from "@etl/local-cloud";
import { CliError, type Command, err, GLOBAL_OPTIONS, out, parse, repoRoot, UsageError } from "./command";
import { commands } from "./commands";

/** The CLI's version: the one in tools/local/package.json. */
export function version(): string {
  const manifest = JSON.parse(readFileSync(resolve(repoRoot, "tools/local/package.json"), "utf8")) as {
    version?: string;
  };
  return manifest.version ?? "0.0.0";
}

const GLOBAL_FLAGS = new Set(
  Object.entries(GLOBAL_OPTIONS).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]),
);

function help(): void {
  out("usage: etl <command> [options]\n");
  for (const c of commands) out(`  ${c.name.padEnd(12)} ${c.summary}`);
  out("\noptions of every command:");
  out("  --quiet, -q  no progress: neither the line per table as each stage finishes it (rows, rows/s)");
  out("               nor, on a terminal, the live line with counts, rate and ETA");
  out("\nrun `etl help <command>` (or `etl <command> --help`) for a command's options; `etl --version`");
}

function commandHelp(command: Command): void {
  out(`usage: ${command.usage}\n\n${command.summary}`);
}

interface ZodLike {
  issues: { path: PropertyKey[]; message: string }[];
}

function isZodError(error: unknown): error is Error & ZodLike {
  return (
    error instanceof Error &&
    error.name === "ZodError" &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

/**
 * One line for whatever a command threw: the message the code wrote for people, never a zod
 * issue array, a bare SDK error name ("UnknownError") or a socket error without its service.
 */
export function describeError(error: unknown): string {
  if (isZodError(error))
    return error.issues
      .map((i) => `${i.path.length > 0 ? `${i.path.map(String).join(".")}: ` : ""}${i.message}`)
      .join("; ");
  if (isNotAnswering(error))
    return "a service is not answering: run `etl up` (or check DATABASE_URL, WAREHOUSE_URL, S3_ENDPOINT, DYNAMODB_ENDPOINT)";
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (!error.message || error.message === "UnknownError")
    return `${error.name}${status ? ` (HTTP ${status})` : ""}: the request failed without a message; ETL_DEBUG=1 shows the details`;
  return error.message.split("\n")[0] ?? error.name;
}

/**
 * Runs one `etl` command line and returns its exit code: 0 done, 1 failed, 2 usage. Errors are
 * one or two lines on stderr (what went wrong, what to do); the stack only with ETL_DEBUG=1.
 */
export async function runEtl(argv: string[]): Promise<number> {
  // A global option before the command (`etl --quiet run`) is parsed with the command's own.
  let lead = 0;
  while (lead < argv.length && GLOBAL_FLAGS.has(argv[lead] ?? "")) lead += 1;
  const [name, ...afterName] = argv.slice(lead);
  const rest = [...argv.slice(0, lead), ...afterName];
  if (name === "--version" || name === "-V" || name === "version") {
    out(version());
    return 0;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? afterName[0] : undefined;
    if (topic) {
      const command = commands.find((c) => c.name === topic);
      if (!command) {
        err(`etl: unknown command "${topic}": \`etl help\` lists them`);
        return 2;
      }
      commandHelp(command);
      return 0;
    }
    help();
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    err(`etl: unknown command "${name}": \`etl help\` lists them`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    commandHelp(command);
    return 0;
  }
  try {
    let args: ReturnType<typeof parse>;
    try {
      args = parse(command, rest);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`etl ${name}: ${error.message}`);
      err(`usage: ${command.usage.split("\n")[0]} (\`etl help ${name}\` for more)`);
      return 2;
    }
    const debug = process.env.ETL_DEBUG === "1" && error instanceof Error;
    if (debug && !(error instanceof ServiceStartError) && !(error instanceof CliError))
      err(`etl ${name}: ${error.stack ?? error.message}`);
    else err(`etl ${name}: ${describeError(error)}`);
    return 1;
  }
}
