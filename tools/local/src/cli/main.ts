import { runEtl } from "./cli";

// Lambda runs Node 22; locally Node 20 is supported, so the SDK's Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

runEtl(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`etl: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
