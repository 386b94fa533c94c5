// node examples/gateway-python-replay/run.mjs
// A Python service instrumented with OpenLLMetry sends OTLP with tokens and no cost. Replayed here
// (a recorded payload, see README.md) through `tokenmeter gateway`: it comes out at the next hop
// priced, and the gateway's /metrics and store have the call. No Python, no Docker, no network.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from '@tokenmeter/gateway';
import {
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_TOKENMETER_PRICING_MATCH,
  METRIC_LLM_COST_USD_DESCRIPTOR,
} from '@tokenmeter/semconv';
import { printStore } from '../_shared/run-example.mjs';

const dir = new URL('.', import.meta.url).pathname;
const payload = readFileSync(path.join(dir, 'openllmetry-python.otlp.json'));

// The next hop: a stand-in collector that prints what it receives.
const received = [];
const collector = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((r) => collector.listen(0, '127.0.0.1', r));
const collectorUrl = `http://127.0.0.1:${collector.address().port}`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tokenmeter-gateway-example-'));
const store = path.join(tmp, 'fleet.db');
const gateway = await startGateway({ forward: collectorUrl, port: 0, storePath: store });
console.log(`$ tokenmeter gateway --forward ${collectorUrl} --store ${store}    (on ${gateway.url})\n`);

// What the Python service's OTLP/HTTP JSON exporter would send to OTEL_EXPORTER_OTLP_ENDPOINT.
const answer = await fetch(`${gateway.url}/v1/traces`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: payload,
});
console.log(`POST /v1/traces (recorded OpenLLMetry payload, ${payload.length} bytes): HTTP ${answer.status}`);
while (received.length === 0) await new Promise((r) => setTimeout(r, 10));

const span = received[0].resourceSpans[0].scopeSpans[0].spans[0];
const attr = (k) => {
  const v = span.attributes.find((a) => a.key === k)?.value;
  return v?.stringValue ?? v?.doubleValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};
console.log('\nat the next hop, the same span with its cost added:');
console.log(`  ${span.name}  ${attr(ATTR_GEN_AI_SYSTEM)}  ${attr(ATTR_GEN_AI_RESPONSE_MODEL)}`);
console.log(
  `  prompt ${attr(ATTR_GEN_AI_USAGE_PROMPT_TOKENS)}  completion ${attr(ATTR_GEN_AI_USAGE_COMPLETION_TOKENS)}`,
);
console.log(
  `  ${ATTR_GEN_AI_USAGE_COST} = ${attr(ATTR_GEN_AI_USAGE_COST)} USD  (${ATTR_TOKENMETER_PRICING_MATCH} ${attr(ATTR_TOKENMETER_PRICING_MATCH)})`,
);

const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
console.log('\nthe gateway /metrics:');
for (const line of metrics.split('\n'))
  if (line.startsWith(METRIC_LLM_COST_USD_DESCRIPTOR.prometheusName)) console.log(`  ${line}`);

await gateway.close();
collector.close();
try {
  printStore(store);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
