import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import type { ConnectionSource } from "@etl/db/credentials";
import {
  createRedshiftDataApi,
  createStatementRunner,
  type RedshiftDataApi,
  type StatementRunner,
} from "@etl/db/redshift";
import pg from "pg";
import type { LoadConfig } from "./config";

/** Resolves pg settings from a secret or a URL (`createConnectionResolver` of `@etl/db`). */
export type ResolveConnection = (source: ConnectionSource) => Promise<pg.ClientConfig>;

export interface RedshiftConnection {
  api: RedshiftDataApi;
  /** The one statement policy (deadline, 1023 retries per `SERIALIZATION_RETRIES`, hand-off). */
  statements: StatementRunner;
}

/**
 * How both use cases reach the warehouse, from the one config: the Redshift Data API with its
 * statement runner, or a connected PostgreSQL client. Builds nothing and contacts nothing until
 * called, so a function of the other target pays for neither.
 */
export interface WarehouseConnection {
  redshift(): RedshiftConnection;
  /** A new connected client per call; the caller ends it. */
  connectPostgres(): Promise<pg.Client>;
}

export function createWarehouseConnection(
  config: LoadConfig,
  options: { applicationName: string; resolve: ResolveConnection },
): WarehouseConnection {
  let redshift: RedshiftConnection | undefined;
  return {
    redshift() {
      if (redshift) return redshift;
      const api = createRedshiftDataApi(new RedshiftDataClient({ region: config.AWS_REGION }), {
        database: config.REDSHIFT_DATABASE ?? "dev",
        ...(config.REDSHIFT_WORKGROUP ? { workgroupName: config.REDSHIFT_WORKGROUP } : {}),
        ...(config.REDSHIFT_CLUSTER_ID ? { clusterIdentifier: config.REDSHIFT_CLUSTER_ID } : {}),
        ...(config.REDSHIFT_SECRET_ARN ? { secretArn: config.REDSHIFT_SECRET_ARN } : {}),
      });
      redshift = {
        api,
        statements: createStatementRunner({ api, serializationRetries: config.SERIALIZATION_RETRIES }),
      };
      return redshift;
    },
    async connectPostgres() {
      const connection = await options.resolve({
        secretArn: config.WAREHOUSE_SECRET_ARN,
        url: config.WAREHOUSE_URL,
      });
      const client = new pg.Client({ ...connection, application_name: options.applicationName });
      await client.connect();
      return client;
    },
  };
}
