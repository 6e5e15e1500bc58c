import { join } from "node:path";
import { createS3Client, createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import type { LocalEnvironment } from "./environment";
import type { ProgressRenderer } from "./progress-renderer";
import {
  type DrainResult,
  deliverByListing,
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
  /** Notifications sent to the queues right after the stage (ingest: its manifest's). */
  announced?: number;
}

type IngestHandler = (
  event: Record<string, unknown>,
  context?: unknown,
) => Promise<{ runId: string; rows: number; manifestKey: string | null }>;

/** The local queues (folders under `<data>/queues/`), named as the stacks name their roles. */
export const LOCAL_QUEUES = {
  transform: { name: "etl-transform", fifo: false },
  load: { name: "etl-load.fifo", fifo: true },
  files: { name: "etl-files", fifo: false },
} as const;

export interface LocalQueueOptions {
  /** Receives before a message is dead-lettered; the handlers get it as MAX_RECEIVE_COUNT. */
  maxReceives?: number;
  visibilityTimeoutMs?: number;
  retryBackoff?: { baseMs: number; maxMs: number };
}

/** Opens the three local queues; opening (and counting) changes nothing in them. */
export function openLocalQueues(dataDir: string, options: LocalQueueOptions = {}) {
  const open = ({ name, fifo }: { name: string; fifo: boolean }) =>
    new FileQueue(join(dataDir, "queues", name), name, { ...options, fifo });
  return {
    transform: open(LOCAL_QUEUES.transform),
    load: open(LOCAL_QUEUES.load),
    files: open(LOCAL_QUEUES.files),
  };
}

/**
 * The pipeline as AWS runs it, on the local services: the ingest handler on a scheduled event;
 * each bucket's ObjectCreated notifications routed, in their real shape, through durable queues
 * (the load queue is FIFO, one group per warehouse) to the transform and load handlers, with
 * redelivery after a backoff and a dead-letter folder under `<data>/queues/`.
 *
 * The handlers are the real modules, imported after the environment is set, as Lambda would
 * load them at cold start.
 */
export async function createLocalPipeline(
  local: LocalEnvironment,
  options: LocalQueueOptions & {
    /**
     * Where the stages report their progress (the `etl` CLI's renderer). The handlers are then
     * built by their own `createHandler` from deps that carry the port; without it they are the
     * modules' `handler`s as they are, exactly what Lambda runs.
     */
    progress?: ProgressRenderer;
  } = {},
) {
  const maxReceives = options.maxReceives ?? Number(local.env.MAX_RECEIVE_COUNT ?? 3);
  // The handlers tell a message's last receive by the queue's max receive count, as on AWS.
  process.env.MAX_RECEIVE_COUNT = String(maxReceives);
  const queues = openLocalQueues(local.endpoints.dataDir, { ...options, maxReceives });
  const { transform: transformQueue, load: loadQueue, files: filesQueue } = queues;
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
  const handlers = await stageHandlers(options.progress);
  const region = local.endpoints.region;
  const errors: unknown[] = [];
  const s3 = createS3Client({ region, endpoint: local.endpoints.s3Endpoint });
  const localServer = isLocalS3Server(local.env);
  const ingestStore = createS3ObjectStore(s3, { localServer });
  // The local S3 server spools its event records; any other S3 (moto, a real bucket) is listed
  // for objects not announced yet, as a bucket notification would announce them.
  const listingState = join(local.endpoints.dataDir, "s3-listing", "announced.txt");
  const deliver = async (): Promise<number> =>
    localServer
      ? deliverS3Events(local.endpoints.eventsDir, routes)
      : deliverByListing(ingestStore, routes, listingState, region);

  const drain = (queue: FileQueue, handler: SqsHandler, functionName: string) =>
    drainQueue(queue, handler, { functionName, region, onError: (e) => errors.push(e) });

  return {
    queues,
    progress: options.progress,
    readIngestObject: (key: string) => ingestStore.get(local.env.INGEST_BUCKET ?? "", key),
    errors,
    async ingest(): Promise<StageReport> {
      const began = Date.now();
      const result = await handlers.ingest(scheduledEvent(region), localContext("etl-ingest"));
      const announced = await deliver();
      return { stage: "ingest", durationMs: Date.now() - began, result, announced };
    },
    async transform(): Promise<StageReport> {
      const began = Date.now();
      await deliver();
      const delivery = await drain(transformQueue, handlers.transform, "etl-transform");
      await deliver();
      return { stage: "transform", durationMs: Date.now() - began, delivery };
    },
    async load(): Promise<StageReport> {
      const began = Date.now();
      await deliver();
      const delivery = await drain(loadQueue, handlers.load, "etl-load");
      return { stage: "load", durationMs: Date.now() - began, delivery };
    },
    /** Files that landed under `landing/` in the landing bucket, matched by the rules. */
    async files(): Promise<StageReport> {
      const began = Date.now();
      await deliver();
      const delivery = await drain(filesQueue, handlers.files, "etl-files");
      await deliver();
      return { stage: "files", durationMs: Date.now() - began, delivery };
    },
  };
}

export type LocalPipeline = Awaited<ReturnType<typeof createLocalPipeline>>;

/**
 * The ingest, transform, load and landed-file handlers: the modules' own, or, with a progress renderer, the
 * same `createHandler`s given deps built the same way plus the renderer's port for the stage.
 */
async function stageHandlers(progress: ProgressRenderer | undefined) {
  const ingestModule = await import("@etl/ingest/handler");
  const transformModule = await import("@etl/transform/handler");
  const loadModule = await import("@etl/load/handler");
  const filesModule = await import("@etl/load/files-handler");
  if (!progress)
    return {
      ingest: ingestModule.handler as IngestHandler,
      transform: transformModule.handler as SqsHandler,
      load: loadModule.handler as SqsHandler,
      files: filesModule.handler as SqsHandler,
    };
  const { createIngestDeps } = await import("@etl/ingest");
  const { createTransformDeps } = await import("@etl/transform");
  const { createLoadDeps, createFilesDeps } = await import("@etl/load");
  const ingest = createIngestDeps(process.env);
  const transform = createTransformDeps(process.env);
  const load = createLoadDeps(process.env);
  const files = createFilesDeps(process.env);
  return {
    ingest: ingestModule.createHandler({
      ...ingest,
      ingest: { ...ingest.ingest, progress: progress.stage("ingest") },
    }) as IngestHandler,
    transform: transformModule.createHandler({
      ...transform,
      transform: { ...transform.transform, progress: progress.stage("transform") },
    }) as SqsHandler,
    load: loadModule.createHandler({
      ...load,
      load: { ...load.load, progress: progress.stage("load") },
    }) as SqsHandler,
    files: filesModule.createHandler({
      ...files,
      files: { ...files.files, progress: progress.stage("files") },
    }) as SqsHandler,
  };
}

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
