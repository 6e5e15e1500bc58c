export type ServiceName = "postgres" | "s3" | "dynamodb";

/** Where each local service listens. URLs carry the local password: never print them whole. */
export interface CloudEndpoints {
  databaseUrl: string;
  warehouseUrl: string;
  s3Endpoint: string;
  dynamodbEndpoint: string;
  region: string;
  /** Folder where the S3 server spools real-shaped S3 event notifications, one JSON file each. */
  eventsDir: string;
  dataDir: string;
}

export interface CloudState extends CloudEndpoints {
  /** The supervisor: the process that runs the S3 and DynamoDB servers and started PostgreSQL. */
  pid: number;
  /** PostgreSQL's postmaster, which outlives a killed supervisor until stopped by this pid. */
  postgresPid?: number;
  startedAt: string;
}

export interface CloudOptions {
  /** One folder for all local data; delete it to start afresh. */
  dataDir: string;
  region?: string;
  /** Fixed ports, for users who want stable endpoints; free ports are picked when omitted. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Ports to take again when free (a restart keeps its endpoints); free ports otherwise. */
  preferredPorts?: Partial<Record<ServiceName, number>>;
  /** Folder with PostgreSQL's bin/initdb and bin/postgres; the embedded package's by default. */
  postgresBinaries?: string;
}

/** Raised when a local service cannot start; the message names the service and what to do. */
export class ServiceStartError extends Error {
  constructor(
    readonly service: ServiceName | "local-cloud",
    message: string,
  ) {
    super(`${service}: ${message}`);
    this.name = "ServiceStartError";
  }
}

/** Shown in place of the password whenever an endpoint is printed. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
