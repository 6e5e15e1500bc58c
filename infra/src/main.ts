import { App } from "aws-cdk-lib";
import { createEtlStacks } from "./app";
import { loadSettings } from "./settings";

const app = new App();
createEtlStacks(
  app,
  loadSettings((key) => app.node.tryGetContext(key)),
);
app.synth();
