import type { Command } from "../command";
import { bench } from "./bench";
import { dashboard, report } from "./dashboard";
import { demo } from "./demo";
import { doctor } from "./doctor";
import { ingest } from "./ingest";
import { load } from "./load";
import { migrate } from "./migrate";
import { run } from "./pipeline";
import { quarantine } from "./quarantine";
import { query } from "./query";
import { replay } from "./replay";
import { rules } from "./rules";
import { seed } from "./seed";
import { check, down, up } from "./services";
import { skip } from "./skip";
import { status } from "./status";
import { transform } from "./transform";

/** Every `etl` sub-command, in the order `etl help` lists them. */
export const commands: Command[] = [
  demo,
  run,
  status,
  replay,
  skip,
  quarantine,
  query,
  dashboard,
  report,
  doctor,
  up,
  down,
  check,
  seed,
  migrate,
  ingest,
  transform,
  load,
  rules,
  bench,
];
