/**
 * A Lambda invocation in its own process, for the reliability suite to kill at will:
 * `node --import tsx handler-child.ts <ingest|transform|load> <event.json>` imports the real
 * handler module (which reads its environment at cold start, as on Lambda), invokes it once on
 * the event and prints `RESULT <json>`.
 */
import { readFileSync } from "node:fs";
import { localContext } from "../../src/runtime";

const MODULES = {
  ingest: "@etl/ingest/handler",
  transform: "@etl/transform/handler",
  load: "@etl/load/handler",
} as const;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [stage, eventFile] = process.argv.slice(2);
if (stage !== "ingest" && stage !== "transform" && stage !== "load")
  throw new Error(`handler-child: the stage must be ingest, transform or load, got ${stage}`);
if (!eventFile) throw new Error("handler-child: give the event's file after the stage");

const { handler } = (await import(MODULES[stage])) as { handler: Handler };
const event: unknown = JSON.parse(readFileSync(eventFile, "utf8"));
const result = await handler(event, localContext(`etl-${stage}`));
// The handlers keep connection pools open, as Lambda keeps them between invocations: exit once
// the result is out.
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
