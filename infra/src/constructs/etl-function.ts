import { AssetHashType, DockerImage, type Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { entryPath, type HandlerSpec } from "../handlers";
import { REPO_ROOT } from "../paths";
import { bundleEntrySync } from "./bundling";
import { suppressPrefixGrants } from "./grants";

/** The CloudWatch namespace of every function's Powertools metrics. */
export const METRICS_NAMESPACE = "EtlPipeline";

/** Subnets and security groups for a function that reaches a database inside a VPC. */
export interface FunctionNetwork {
  subnetIds: readonly string[];
  securityGroupIds: readonly string[];
}

export interface EtlFunctionProps {
  spec: HandlerSpec;
  /** Already validated against the app's config schema (see `buildEnvironment`). */
  environment: Record<string, string>;
  /** `POWERTOOLS_SERVICE_NAME`, e.g. `etl-ingest`. */
  serviceName: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  logRetention: logs.RetentionDays;
  /** false: an inline placeholder instead of the esbuild bundle (template tests, no entry file needed). */
  bundle: boolean;
  network?: FunctionNetwork;
}

/**
 * The handler's esbuild bundle as a Lambda asset, bundled in this process (`bundleEntrySync`,
 * the house settings). The asset's hash is its output, as with `NodejsFunction`, so an unchanged
 * bundle is not uploaded again; the source path (the repository) is never copied. CDK skips
 * the bundling for stacks a command does not touch (`cdk deploy --exclusively EtlLoad`).
 */
function bundledCode(spec: HandlerSpec): lambda.Code {
  const entry = entryPath(spec);
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds or throws (no Docker fallback).
      image: DockerImage.fromRegistry("local-bundling-only"),
      // CDK caches staged assets by source path and the serialisable bundling options, not by
      // the `tryBundle` callback: naming the entry here keeps one bundle per entry.
      command: ["esbuild", spec.entry],
      local: {
        tryBundle(outputDir: string): boolean {
          bundleEntrySync(entry, outputDir);
          return true;
        },
      },
    },
  });
}

const PLACEHOLDER_CODE =
  'exports.handler = async () => { throw new Error("placeholder code: synthesize with bundling on"); };';

/**
 * The house Lambda function: Node 22 on arm64, an ESM bundle (minified, source maps), its
 * own log group with a retention, Powertools settings, and a role that starts with nothing but
 * writing to that log group; every other permission is granted by the stack, one per resource
 * the function's config names.
 */
export class EtlFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EtlFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.serviceName}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
      },
    } satisfies Partial<lambda.FunctionProps>;

    this.function = new lambda.Function(this, "Function", {
      ...common,
      code: props.bundle ? bundledCode(props.spec) : lambda.Code.fromInline(PLACEHOLDER_CODE),
      handler: "index.handler",
    });

    if (props.network && props.network.subnetIds.length > 0) this.attachToVpc(props.network);

    suppressPrefixGrants(this.role);
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: "AwsSolutions-L1",
        reason:
          "Node 22 is the chosen runtime: the code is tested on Node 20 and 22; newer majors are not tested yet.",
      },
    ]);
  }

  /**
   * Places the function in existing subnets by id, with no VPC lookup, so synth stays offline.
   * Lambda manages the network interfaces itself; the EC2 actions it needs have no resource scope.
   */
  private attachToVpc(network: FunctionNetwork): void {
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    cfn.vpcConfig = {
      subnetIds: [...network.subnetIds],
      securityGroupIds: [...network.securityGroupIds],
    };
    const policy = new iam.Policy(this, "VpcAccess", {
      statements: [
        new iam.PolicyStatement({
          actions: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
          ],
          resources: ["*"],
        }),
      ],
    });
    policy.attachToRole(this.role);
    this.function.node.addDependency(policy);
    NagSuppressions.addResourceSuppressions(policy, [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "Lambda manages the VPC network interfaces; these EC2 actions cannot be scoped to a resource.",
        appliesTo: ["Resource::*"],
      },
    ]);
  }
}
