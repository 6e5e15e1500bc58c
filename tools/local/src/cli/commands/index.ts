import type { Command } from "../command";
import { check, down, up } from "./services";

/** Every `etl` sub-command, in the order `etl help` lists them. */
export const commands: Command[] = [up, down, check];
