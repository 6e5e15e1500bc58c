import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, defaultDataDir, out, repoRoot } from "../command";

export const bench: Command = {
  name: "bench",
  summary: "measure each stage against a native reference in the same run; writes bench/results.json",
  usage:
    "etl bench [--scale N] [--stage NAME] [--data-dir DIR]\n\n" +
    "  --scale N     sales orders (default 1,000,000)\n" +
    "  --stage NAME  one of: ingest, transform, load, first-load, bundles (default: all)",
  options: { scale: { type: "string" }, stage: { type: "string" }, "data-dir": { type: "string" } },
  async run({ values }) {
    // Loaded here: the bundle measurement pulls in esbuild and the CDK, which no other command needs.
    const { formatBench, runBench, STAGES } = await import("../../bench/bench");
    const { benchBundles, formatBundles } = await import("../../bench/bundles");
    const scale = Number(
      String(values.scale ?? 1_000_000)
        .replaceAll(",", "")
        .replaceAll("_", ""),
    );
    if (!Number.isInteger(scale) || scale < 100)
      throw new RangeError(`--scale must be an integer of at least 100`);
    const stages = values.stage ? [String(values.stage)] : Object.keys(STAGES);
    const resultsFile = resolve(repoRoot, "bench", "results.json");
    if (!values.stage || values.stage === "bundles") {
      const bundles = await benchBundles(out);
      writeFileSync(resolve(repoRoot, "bench", "bundles.json"), `${JSON.stringify(bundles, null, 2)}\n`);
      for (const line of formatBundles(bundles)) out(line);
      out("");
      if (values.stage === "bundles") return 0;
    }
    const rows = await runBench({
      dataDir: (values["data-dir"] as string | undefined) ?? defaultDataDir(),
      scale,
      stages,
      resultsFile,
      log: out,
    });
    out("");
    for (const line of formatBench(rows)) out(line);
    out(`\nresults: ${resultsFile}`);
    return 0;
  },
};
