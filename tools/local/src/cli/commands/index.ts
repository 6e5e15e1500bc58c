import type { Command } from "../command";
import { ingest } from "./ingest";
import { seed } from "./seed";
import { check, down, up } from "./services";
import { transform } from "./transform";

/** Every `etl` sub-command, in the order `etl help` lists them. */
export const commands: Command[] = [up, down, check, ingest, seed, transform];
