import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo's root: handler entries, the lockfile and the apps are found from here. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The infra package's own directory (where `cdk.json` lives). */
export const INFRA_ROOT = join(REPO_ROOT, "infra");
