// Compiles the vendored OTLP .proto files (proto/) into a protobufjs JSON descriptor module,
// src/generated/otlp-descriptor.ts. Run: npm run gen:otlp -w @tokenmeter/gateway
// With --check, fails when the committed file differs from what the .proto files give.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { otlpDescriptorSource } from './otlp-descriptor-source.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src', 'generated', 'otlp-descriptor.ts');
const text = otlpDescriptorSource(join(root, 'proto'));
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== text) {
    console.error(`${out} is stale: run npm run gen:otlp -w @tokenmeter/gateway`);
    process.exit(1);
  }
  console.log('otlp descriptor up to date');
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
