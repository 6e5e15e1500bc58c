import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

export const STATUS_EVENT_SOURCE = "etl.files";
export const STATUS_EVENT_DETAIL_TYPE = "Landed File Status";

/** What happened to one landed object version. */
export interface FileStatusDetail {
  status: "FINISHED" | "FAILED" | "ABORTED";
  bucket: string;
  key: string;
  version: string;
  rule?: string;
  /** `schema.table`. */
  target?: string;
  rows: number;
  /** Where the file ended: its archive key, or its error key. */
  destination: string;
  /** Split only: where the parts landed. */
  parts?: string[];
  error?: string;
  attempt: string;
  durationMs: number;
}

/**
 * An event shaped as EventBridge carries it (`source`, `detail-type`, `time`, `resources`,
 * `detail`), so a rule on the bus (or a test) can match on `detail.status` and `detail.rule`.
 */
export interface FileStatusEvent {
  source: typeof STATUS_EVENT_SOURCE;
  "detail-type": typeof STATUS_EVENT_DETAIL_TYPE;
  time: string;
  resources: string[];
  detail: FileStatusDetail;
}

/** Publishes status events (EventBridge in AWS, a JSON Lines file locally). */
export interface StatusEvents {
  publish(event: FileStatusEvent): Promise<void>;
}

export function toStatusEvent(detail: FileStatusDetail, at: Date): FileStatusEvent {
  return {
    source: STATUS_EVENT_SOURCE,
    "detail-type": STATUS_EVENT_DETAIL_TYPE,
    time: at.toISOString(),
    resources: [`arn:aws:s3:::${detail.bucket}/${detail.key}`],
    detail,
  };
}

/**
 * The local stand-in for EventBridge: one event per line in `path` (next to the alerts file).
 *
 * @example
 * const events = createFileStatusEvents(join(dirname(config.ALERT_FILE), "file-events.jsonl"));
 */
export function createFileStatusEvents(path: string): StatusEvents {
  return {
    async publish(event) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify(event)}\n`, "utf8");
    },
  };
}

/** Events kept in memory, for tests. */
export function createMemoryStatusEvents(): StatusEvents & { readonly published: FileStatusEvent[] } {
  const published: FileStatusEvent[] = [];
  return {
    published,
    async publish(event) {
      published.push(structuredClone(event));
    },
  };
}
