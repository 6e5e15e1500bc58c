import { join } from "node:path";
import { createS3Client, createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import type { LocalEnvironment } from "./environment";
import {
  type DrainResult,
  deliverS3Events,
  drainQueue,
  FileQueue,
  localContext,
  type SqsHandler,
} from "./runtime";

/** The message group of the load FIFO queue: one per warehouse, so loads never interleave. */
export const WAREHOUSE_GROUP = "warehouse";

export interface StageReport {
  stage: "ingest" | "transform" | "load" | "files";
  durationMs: number;
  delivery?: DrainResult;
  result?: unknown;
}

type IngestHandler = (
  event: Record<string, unknown>,
  context?: unknown,
) => Promise<{ runId: string; rows: number; manifestKey: string | null }>;

/**
 * The pipeline as AWS runs it, on the local services: the ingest handler on a scheduled event;
 * each bucket's ObjectCreated notifications routed, in their real shape, through durable queues
 * (the load queue is FIFO, one group per warehouse) to the transform and load handlers, with
 * redelivery and a dead-letter folder under `<data>/queues/`.
 *
 * The handlers are the real modules, imported after the environment is set, as Lambda would
 * load them at cold start.
 */
export async function createLocalPipeline(local: LocalEnvironment, options: { maxReceives?: number } = {}) {
  const queuesDir = join(local.endpoints.dataDir, "queues");
  const maxReceives = options.maxReceives ?? 3;
  const transformQueue = new FileQueue(join(queuesDir, "etl-transform"), "etl-transform", { maxReceives });
  const loadQueue = new FileQueue(join(queuesDir, "etl-load.fifo"), "etl-load.fifo", {
    fifo: true,
    maxReceives,
  });
  const filesQueue = new FileQueue(join(queuesDir, "etl-files"), "etl-files", { maxReceives });
  const routes = [
    {
      bucket: local.env.INGEST_BUCKET ?? "",
      prefix: "runs/",
      suffix: ".json",
      queue: transformQueue,
      shape: "s3" as const,
    },
    {
      bucket: local.env.PROCESSED_BUCKET ?? "",
      prefix: "runs/",
      suffix: ".json",
      queue: loadQueue,
      shape: "eventbridge" as const,
      groupId: WAREHOUSE_GROUP,
    },
    { bucket: local.env.LANDING_BUCKET ?? "", prefix: "landing/", queue: filesQueue, shape: "s3" as const },
  ];
  const ingestModule = (await import("@etl/ingest/handler")) as unknown as { handler: IngestHandler };
  const transformModule = (await import("@etl/transform/handler")) as unknown as { handler: SqsHandler };
  const loadModule = (await import("@etl/load/handler")) as unknown as { handler: SqsHandler };
  const filesModule = (await import("@etl/load/files-handler")) as unknown as { handler: SqsHandler };
  const region = local.endpoints.region;
  const errors: unknown[] = [];
  const deliver = () => deliverS3Events(local.endpoints.eventsDir, routes);

  const s3 = createS3Client({ region, endpoint: local.endpoints.s3Endpoint });
  const ingestStore = createS3ObjectStore(s3, { localServer: isLocalS3Server(local.env) });

  return {
    queues: { transform: transformQueue, load: loadQueue, files: filesQueue },
    readIngestObject: (key: string) => ingestStore.get(local.env.INGEST_BUCKET ?? "", key),
    errors,
    async ingest(): Promise<StageReport> {
      const began = Date.now();
      const result = await ingestModule.handler(scheduledEvent(region), localContext("etl-ingest"));
      deliver();
      return { stage: "ingest", durationMs: Date.now() - began, result };
    },
    async transform(): Promise<StageReport> {
      const began = Date.now();
      deliver();
      const delivery = await drainQueue(transformQueue, transformModule.handler, {
        functionName: "etl-transform",
        region,
        onError: (e) => errors.push(e),
      });
      deliver();
      return { stage: "transform", durationMs: Date.now() - began, delivery };
    },
    async load(): Promise<StageReport> {
      const began = Date.now();
      deliver();
      const delivery = await drainQueue(loadQueue, loadModule.handler, {
        functionName: "etl-load",
        region,
        onError: (e) => errors.push(e),
      });
      return { stage: "load", durationMs: Date.now() - began, delivery };
    },
    /** Files that landed under `landing/` in the landing bucket, matched by the rules. */
    async files(): Promise<StageReport> {
      const began = Date.now();
      deliver();
      const delivery = await drainQueue(filesQueue, filesModule.handler, {
        functionName: "etl-files",
        region,
        onError: (e) => errors.push(e),
      });
      deliver();
      return { stage: "files", durationMs: Date.now() - began, delivery };
    },
  };
}

export type LocalPipeline = Awaited<ReturnType<typeof createLocalPipeline>>;

/** The event EventBridge Scheduler sends to the ingest function. */
export function scheduledEvent(region: string, at = new Date()) {
  return {
    version: "0",
    id: `local-${at.getTime()}`,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: at.toISOString().replace(/\.\d+Z$/, "Z"),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/etl-ingest-schedule`],
    detail: {},
  };
}
