import type { z } from "zod";
import { ConfigError } from "./errors";

/**
 * Parses an environment into a frozen config object with a zod object schema. Every problem is
 * listed at once, by variable name; values are never echoed, since some are secrets' ARNs or URLs.
 *
 * @example
 * const config = parseConfig(IngestConfigSchema, process.env);
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`, problems);
  }
  return Object.freeze(result.data) as Readonly<z.infer<S>>;
}
