// Bedrock streams that come through fetch (the Vercel AI SDK's Bedrock provider, for one) are AWS
// event streams: the framing is @tokenmeter/aws-eventstream's (shared with the mock provider); this
// turns a decoded message into the event `StreamParser.onBedrockEvent` takes. Through the AWS SDK,
// feed its own event objects to `onBedrockEvent` directly.
import type { EventStreamMessage } from '@tokenmeter/aws-eventstream';

export {
  AwsEventStreamDecoder,
  type AwsEventStreamDecoderOptions,
  type EventStreamHeaderValue,
  type EventStreamMessage,
} from '@tokenmeter/aws-eventstream';

/**
 * A decoded message as the event `StreamParser.onBedrockEvent` takes: `{ eventType, payload }`
 * with the JSON payload parsed (exceptions use their `:exception-type` as the event type).
 */
export function eventStreamMessageToEvent(message: EventStreamMessage): {
  eventType: string;
  payload: unknown;
} {
  const h = message.headers;
  const eventType = String(h[':event-type'] ?? h[':exception-type'] ?? h[':error-code'] ?? 'unknown');
  let payload: unknown;
  try {
    payload = JSON.parse(message.payload.toString('utf8'));
  } catch {
    payload = undefined;
  }
  return { eventType, payload };
}
