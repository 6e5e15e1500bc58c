import { Annotations, ArnFormat, type Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { grantPrefixes, suppressPrefixGrants } from "../constructs/grants";
import type { Settings } from "../settings";
import type { AppStackProps } from "./app-stack-props";

/** Where the load writes the Redshift COPY manifests (several files, exact content lengths). */
export const COPY_MANIFEST_PREFIX = "copy-manifests/";

/**
 * Redshift Data API rights on the one workgroup or cluster, and credentials for it: the
 * named database-user secret, or else IAM credentials (Serverless `GetCredentials`,
 * provisioned `GetClusterCredentialsWithIAM`, which the Data API calls without a secret or a
 * database user). Statement reads cannot be scoped by resource; the Data API only returns
 * statements that the same IAM role ran.
 */
export function grantRedshiftData(
  scope: Stack,
  fn: lambda.Function,
  settings: Settings,
  environment: Record<string, string>,
): void {
  const serverless = environment.REDSHIFT_WORKGROUP !== undefined;
  const workgroupArn =
    settings.redshiftWorkgroupArn ??
    scope.formatArn({ service: "redshift-serverless", resource: "workgroup", resourceName: "*" });
  const clusterArn = scope.formatArn({
    service: "redshift",
    resource: "cluster",
    resourceName: environment.REDSHIFT_CLUSTER_ID ?? "",
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const target = serverless ? workgroupArn : clusterArn;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "RedshiftDataSubmit",
      actions: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
      resources: [target],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "RedshiftDataRead",
      actions: ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"],
      resources: ["*"],
    }),
  );
  // With a database user's secret (read with the other secrets), no IAM credentials are needed.
  if (environment.REDSHIFT_SECRET_ARN === undefined && serverless) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "RedshiftServerlessCredentials",
        actions: ["redshift-serverless:GetCredentials"],
        resources: [workgroupArn],
      }),
    );
  } else if (environment.REDSHIFT_SECRET_ARN === undefined) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "RedshiftClusterCredentials",
        actions: ["redshift:GetClusterCredentialsWithIAM"],
        resources: [
          scope.formatArn({
            service: "redshift",
            resource: "dbname",
            resourceName: `${environment.REDSHIFT_CLUSTER_ID ?? ""}/${environment.REDSHIFT_DATABASE ?? ""}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
  const suppressions = [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "DescribeStatement and GetStatementResult have no resource scope; the Data API only shows a role the statements it ran.",
      appliesTo: ["Resource::*"],
    },
  ];
  if (serverless && !settings.redshiftWorkgroupArn) {
    suppressions.push({
      id: "AwsSolutions-IAM5",
      reason:
        "No redshiftWorkgroupArn was given: the workgroup id is unknown, so any workgroup of the account.",
      appliesTo: [
        "Resource::arn:<AWS::Partition>:redshift-serverless:<AWS::Region>:<AWS::AccountId>:workgroup/*",
      ],
    });
    Annotations.of(scope).addWarningV2(
      "etl:redshift-workgroup-arn",
      "Set redshiftWorkgroupArn to scope the Data API grants to one workgroup (its ARN carries the workgroup id).",
    );
  }
  NagSuppressions.addResourceSuppressions(fn.role ?? fn, suppressions, true);
}

/**
 * The role Redshift assumes for `COPY ... IAM_ROLE`: it reads the star files, the COPY
 * manifests and the landed files being processed. Associate it with the namespace or cluster.
 */
export function createCopyRole(scope: Construct, props: AppStackProps): iam.Role {
  const { stateful } = props;
  const role = new iam.Role(scope, "RedshiftCopyRole", {
    description: "Assumed by Redshift to COPY the pipeline's files",
    assumedBy: new iam.CompositePrincipal(
      new iam.ServicePrincipal("redshift.amazonaws.com"),
      new iam.ServicePrincipal("redshift-serverless.amazonaws.com"),
    ),
  });
  grantPrefixes(stateful.processedBucket, role, { read: ["star/", COPY_MANIFEST_PREFIX] });
  grantPrefixes(stateful.landingBucket, role, { read: ["landing/", "processing/"] });
  suppressPrefixGrants(role);
  return role;
}
