// The text of src/generated/otlp-descriptor.ts, from the .proto files under `protoDir`.
import { join } from 'node:path';
import protobuf from 'protobufjs';

export const PROTO_FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'google/rpc/status.proto',
] as const;

export function otlpDescriptorSource(protoDir: string): string {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : join(protoDir, target);
  root.loadSync([...PROTO_FILES], { keepCase: false });
  const json = JSON.stringify(root.toJSON({ keepComments: false }), null, 2);
  return `// DO NOT EDIT: generated from packages/gateway/proto by \`npm run gen:otlp -w @tokenmeter/gateway\`.
// The OTLP trace service messages and google.rpc.Status as a protobufjs JSON descriptor.
export const OTLP_DESCRIPTOR = ${json} as const;
`;
}
