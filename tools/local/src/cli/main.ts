import { ServiceStartError } from "@etl/local-cloud";
import { err, out, parse } from "./command";
import { commands } from "./commands";

// Lambda runs Node 22; locally Node 20 is supported, so the SDK's Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function help(): void {
  out("usage: etl <command> [options]\n");
  for (const c of commands) out(`  ${c.name.padEnd(12)} ${c.summary}`);
  out("\nrun `etl <command> --help` for a command's options");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    help();
    return name ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    err(`etl: unknown command "${name}"`);
    help();
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    out(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  let args: ReturnType<typeof parse>;
  try {
    args = parse(command, rest);
  } catch (error) {
    err(`etl ${name}: ${(error as Error).message}\nusage: ${command.usage}`);
    return 2;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The message names what failed; the stack only helps whoever debugs the CLI itself.
    const debug = process.env.ETL_DEBUG === "1" && error instanceof Error;
    if (error instanceof ServiceStartError || !debug)
      err(`etl: ${error instanceof Error ? error.message : String(error)}`);
    else err(`etl: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
