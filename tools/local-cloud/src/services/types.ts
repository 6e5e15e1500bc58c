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
  pid: number;
  postgresPid?: number;
  startedAt: string;
}

export interface CloudOptions {
  /** One folder for all local data; delete it to start afresh. */
  dataDir: string;
  region?: string;
  /** Fixed ports, for users who want stable endpoints; free ports are picked when omitted. */
  ports?: Partial<Record<ServiceName, number>>;
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
