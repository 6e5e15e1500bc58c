import { App } from "aws-cdk-lib";
import { createEtlStacks } from "./app";
import { loadSettings, type Settings } from "./settings";

const app = new App();
let settings: Settings;
try {
  settings = loadSettings((key) => app.node.tryGetContext(key));
} catch (error) {
  // A settings problem is the operator's to fix: the message says what, a stack trace would bury it.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
createEtlStacks(app, settings);
app.synth();
