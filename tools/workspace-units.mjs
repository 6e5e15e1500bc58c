// The workspace's packages as paths relative to the root (`apps/ingest`, ..., `infra`): every
// folder under apps/, packages/ and tools/ with a package.json, and infra. The checks in
// `pnpm boundaries` walk this one list, so a new package is seen by all of them.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const isFile = (path) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

export function workspaceUnits(root) {
  return ["apps", "packages", "tools"]
    .flatMap((group) => {
      try {
        return readdirSync(join(root, group)).map((name) => join(group, name));
      } catch {
        return [];
      }
    })
    .concat("infra")
    .filter((unit) => isFile(join(root, unit, "package.json")));
}
