import { type LocalEnvironment, openLocalEnvironment } from "../../environment";
import { awsTarget, localTarget, type OperatorTarget } from "../../operator";
import { defaultDataDir } from "../command";

// What the operator commands (status, query, replay) act on: the local stack under --data-dir,
// or with --aws the deployed one the environment names.

export const targetOptions = { "data-dir": { type: "string" as const }, aws: { type: "boolean" as const } };

export async function withTarget<T>(
  values: Record<string, unknown>,
  use: (target: OperatorTarget, dataDir: string, local?: LocalEnvironment) => Promise<T>,
): Promise<T> {
  const dataDir = (values["data-dir"] as string | undefined) ?? defaultDataDir();
  if (values.aws === true) return use(awsTarget(), dataDir);
  // Fresh services would hold nothing to read or replay: without running ones, say so.
  const local = await openLocalEnvironment(dataDir, { start: false });
  try {
    return await use(localTarget(local), local.endpoints.dataDir, local);
  } finally {
    await local.close();
  }
}
