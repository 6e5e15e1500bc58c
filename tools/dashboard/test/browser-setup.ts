/**
 * Vitest global setup: finds Debian's `chromium` for the browser tests, installing it with apt
 * when this runs as root and it is missing. Without a browser the browser tests are left out with
 * one line saying so; in CI (`CI=true`) a missing browser fails the run instead.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestProject } from "vitest/node";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

function findChromium(): string | undefined {
  const named = process.env.CHROMIUM_PATH;
  if (named) return existsSync(named) ? named : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

function install(): string {
  const run = spawnSync(
    "sh",
    ["-c", "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium"],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return run.status === 0 ? "" : `${run.stderr || run.stdout}`.trim().split("\n").slice(-3).join(" ");
}

export default function setup(project: TestProject): void {
  let chromium = findChromium();
  let why = "not found";
  if (!chromium && process.getuid?.() === 0 && !process.env.CHROMIUM_PATH) {
    why = install() || "apt-get installed nothing";
    chromium = findChromium();
  }
  if (!chromium) {
    const line = `chromium is not installed (${why}): the browser tests do not run`;
    if (process.env.CI === "true") throw new Error(`${line}; CI must run them`);
    console.log(line);
  }
  project.provide("chromium", chromium ?? "");
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The browser's executable, or "" when there is none. */
    chromium: string;
  }
}
