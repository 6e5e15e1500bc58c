import { Stack } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/** A star table column as the transform writes it to Parquet. */
export interface StarColumn {
  readonly name: string;
  readonly type: "int" | "bigint" | "text" | "date" | "time" | "timestamp" | "decimal" | "boolean";
  readonly precision?: number;
  readonly scale?: number;
  readonly nullable: boolean;
}

export interface StarCatalogProps {
  bucket: s3.IBucket;
  /** Glue database name: lower case letters, digits and underscores. */
  databaseName: string;
  /** Columns per star table, in file order. */
  columns: Readonly<Record<string, readonly StarColumn[]>>;
}

/** The Hive type Athena reads a star column as. Time and timestamp columns travel as text in the files. */
export function toGlueType(column: StarColumn): string {
  switch (column.type) {
    case "int":
      return "int";
    case "bigint":
      return "bigint";
    case "text":
    case "time":
    case "timestamp":
      return "string";
    case "date":
      return "date";
    case "boolean":
      return "boolean";
    case "decimal":
      return `decimal(${column.precision ?? 38},${column.scale ?? 0})`;
  }
}

/** Partition key of every star table: the run's date path, `YYYY/MM/DD`. */
export const RUN_DATE_PARTITION = "run_date";

/**
 * The Glue database and one table per star table over `star/<table>/YYYY/MM/DD/*.parquet`, so
 * Athena can query the processed files with no crawler. Partitions are projected from the date
 * path (`run_date = '2026/11/23'`), so new runs are visible without any catalogue update.
 */
export class StarCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly tables: Record<string, glue.CfnTable> = {};

  constructor(scope: Construct, id: string, props: StarCatalogProps) {
    super(scope, id);
    const catalogId = Stack.of(this).account;
    this.database = new glue.CfnDatabase(this, "Database", {
      catalogId,
      databaseInput: {
        name: props.databaseName,
        description: "Star schema Parquet files written by the transform (processed bucket, star/)",
      },
    });

    for (const [table, columns] of Object.entries(props.columns)) {
      const location = `s3://${props.bucket.bucketName}/star/${table}/`;
      const cfn = new glue.CfnTable(this, table, {
        catalogId,
        databaseName: props.databaseName,
        tableInput: {
          name: table,
          tableType: "EXTERNAL_TABLE",
          description: `star/${table}/: one Parquet file per run part; dimensions hold one row per version`,
          parameters: {
            classification: "parquet",
            EXTERNAL: "TRUE",
            "projection.enabled": "true",
            [`projection.${RUN_DATE_PARTITION}.type`]: "date",
            [`projection.${RUN_DATE_PARTITION}.format`]: "yyyy/MM/dd",
            [`projection.${RUN_DATE_PARTITION}.range`]: "2020/01/01,NOW",
            [`projection.${RUN_DATE_PARTITION}.interval`]: "1",
            [`projection.${RUN_DATE_PARTITION}.interval.unit`]: "DAYS",
            "storage.location.template": `${location}\${${RUN_DATE_PARTITION}}/`,
          },
          partitionKeys: [{ name: RUN_DATE_PARTITION, type: "string" }],
          storageDescriptor: {
            location,
            inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            serdeInfo: {
              serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            },
            columns: columns.map((c) => ({
              name: c.name,
              type: toGlueType(c),
              ...(c.nullable ? {} : { comment: "not null" }),
            })),
          },
        },
      });
      cfn.node.addDependency(this.database);
      this.tables[table] = cfn;
    }
  }
}
