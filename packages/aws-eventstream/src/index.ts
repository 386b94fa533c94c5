// @tokenmeter/aws-eventstream: the AWS event stream framing, one implementation for the
// instrumentation (reading Bedrock streams that come through fetch) and the mock provider (writing them).
export { crc32 } from './crc32.js';
export { AwsEventStreamDecoder, decodeEventStream } from './decoder.js';
export { encodeEventStreamMessage } from './encode.js';
export type { AwsEventStreamDecoderOptions, EventStreamHeaderValue, EventStreamMessage } from './types.js';
