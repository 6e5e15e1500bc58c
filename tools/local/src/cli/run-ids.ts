import { RunIdSchema } from "@etl/schemas";
import { UsageError } from "./command";

/** The example every "not a run id" message shows. */
export const RUN_ID_EXAMPLE = "20261123T141500123Z-00000042";

/** The run ids given on a command line, or a usage error naming the first that is not one. */
export function parseRunIds(positionals: string[]): string[] {
  for (const id of positionals)
    if (!RunIdSchema.safeParse(id).success)
      throw new UsageError(
        `${JSON.stringify(id)} is not a run id: run ids look like ${RUN_ID_EXAMPLE} (\`etl status\` lists them)`,
      );
  return positionals;
}
