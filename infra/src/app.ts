import { STAR_COLUMNS } from "@etl/schemas";
import { type App, Aspects, type Environment, Tags } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { type Settings, stackNames } from "./settings";
import { IngestStack } from "./stacks/ingest-stack";
import { LoadStack } from "./stacks/load-stack";
import { StatefulStack } from "./stacks/stateful-stack";
import { TransformStack } from "./stacks/transform-stack";

export interface EtlStacks {
  stateful: StatefulStack;
  ingest: IngestStack;
  transform: TransformStack;
  load: LoadStack;
}

/**
 * Adds the pipeline's stacks to an app: the stateful stack and one stack per app, each
 * deployable alone (`cdk deploy --exclusively EtlLoad`) once the stateful stack exists.
 * cdk-nag's AwsSolutions pack checks every stack; its errors fail synth.
 *
 * @example
 * const app = new App({ context: cdkJson.context });
 * const stacks = createEtlStacks(app, loadSettings((key) => app.node.tryGetContext(key)));
 */
export function createEtlStacks(app: App, settings: Settings): EtlStacks {
  const names = stackNames(settings.stackPrefix);
  const env: Environment = {
    ...(settings.account ? { account: settings.account } : {}),
    ...(settings.region ? { region: settings.region } : {}),
  };
  const stateful = new StatefulStack(app, names.stateful, {
    env,
    settings,
    description: "ETL pipeline: buckets, tables, alert topic (retained on delete)",
    terminationProtection: true,
  });
  const appProps = { env, settings, stateful };
  const ingest = new IngestStack(app, names.ingest, {
    ...appProps,
    description: "ETL pipeline: ingest (totesys -> ingest bucket)",
  });
  const transform = new TransformStack(app, names.transform, {
    ...appProps,
    starColumns: STAR_COLUMNS,
    description: "ETL pipeline: transform (ingest runs -> star-schema Parquet) and its Glue catalogue",
  });
  const load = new LoadStack(app, names.load, {
    ...appProps,
    description: `ETL pipeline: load (processed runs and landed files -> ${settings.warehouseTarget})`,
  });
  for (const stack of [stateful, ingest, transform, load]) Tags.of(stack).add("project", "etl-pipeline");
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { stateful, ingest, transform, load };
}
