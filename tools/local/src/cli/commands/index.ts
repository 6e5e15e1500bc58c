import type { Command } from "../command";
import { ingest } from "./ingest";
import { demo, run } from "./pipeline";
import { seed } from "./seed";
import { check, down, up } from "./services";
import { transform } from "./transform";

/** Every `etl` sub-command, in the order `etl help` lists them. */
export const commands: Command[] = [demo, run, up, down, check, seed, ingest, transform];
