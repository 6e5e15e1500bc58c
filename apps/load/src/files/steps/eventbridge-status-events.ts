import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { TransientError } from "@etl/schemas";
import type { StatusEvents } from "./status-events";

/**
 * Status events on an EventBridge bus (`PutEvents`, one entry per event). A refused entry is a
 * `TransientError`: the file is already where it ends, and the next delivery reports it again.
 *
 * @example
 * const events = createEventBridgeStatusEvents(new EventBridgeClient({ region }), config.FILE_EVENT_BUS);
 */
export function createEventBridgeStatusEvents(client: EventBridgeClient, busName: string): StatusEvents {
  return {
    async publish(event) {
      let failed: number;
      let reason: string | undefined;
      try {
        const out = await client.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: busName,
                Source: event.source,
                DetailType: event["detail-type"],
                Time: new Date(event.time),
                Resources: event.resources,
                Detail: JSON.stringify(event.detail),
              },
            ],
          }),
        );
        failed = out.FailedEntryCount ?? 0;
        reason = out.Entries?.[0]?.ErrorMessage;
      } catch (error) {
        throw new TransientError(`PutEvents to ${busName} failed: ${(error as Error).name}`, {
          cause: error,
        });
      }
      if (failed > 0)
        throw new TransientError(`PutEvents to ${busName} refused the event: ${reason ?? "no reason"}`);
    },
  };
}
