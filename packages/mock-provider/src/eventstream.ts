// The AWS event stream messages the mock's Bedrock streams send. The framing itself (CRC-32,
// encoding, decoding) is @tokenmeter/aws-eventstream's, shared with the instrumentation.
import { encodeEventStreamMessage } from '@tokenmeter/aws-eventstream';

export { decodeEventStream, encodeEventStreamMessage } from '@tokenmeter/aws-eventstream';

/** An `event` message with a JSON payload, as Bedrock sends them. */
export function eventMessage(eventType: string, payload: unknown): Buffer {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}
