// Amazon Bedrock: the Converse API (converse, converse-stream) and InvokeModel bodies per model
// family (invoke, invoke-with-response-stream), reached through fetch (bedrock-runtime URLs, e.g.
// the Vercel AI SDK's provider) or through the AWS SDK's send layer (command.ts). One file per job:
// the two wire formats (converse.ts, invoke.ts), their usage (usage.ts), request parameters
// (request.ts), streams (stream.ts), model ids (model-id.ts), event stream messages (eventstream.ts).
export { type BedrockCommandName, recognizeBedrockCommand } from './command.js';
export { bedrockConverse, parseBedrockConverse } from './converse.js';
export {
  AwsEventStreamDecoder,
  type AwsEventStreamDecoderOptions,
  type EventStreamHeaderValue,
  type EventStreamMessage,
  eventStreamMessageToEvent,
} from './eventstream.js';
export { bedrockInvoke, parseBedrockInvoke } from './invoke.js';
export { bedrockFamily, bedrockModelFromId } from './model-id.js';
export { readBedrockRequestBody } from './request.js';
export { createBedrockStreamParser } from './stream.js';
export { bedrockUsage } from './usage.js';
