// The gateway under the conditions of production: bad input, a full queue, a failing next hop,
// shutdown, auth, pass-through, and its own metrics and store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ATTR_GEN_AI_USAGE_COST } from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { GatewayConfigError, startGateway } from '../src/index.js';
import { RpcStatus } from '../src/otlp/schema.js';
import { decodeSpans, type NextHop, startNextHop, until } from './helpers/next-hop.js';
import { CHAT_SPAN, HTTP_SPAN, jsonBody, post, protobufBody } from './helpers/otlp-json.js';
import { startSender } from './helpers/sender.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' };

const hops: NextHop[] = [];
async function hop(): Promise<NextHop> {
  const h = await startNextHop();
  hops.push(h);
  return h;
}
after(async () => {
  for (const h of hops) await h.close();
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  return (await fetch(`${url}/metrics`, { headers })).text();
}

describe('bad input', () => {
  test('a malformed body gets 400 with a message saying what is wrong, in the request encoding, and is counted', async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0 });
    try {
      const proto = await post(`${gw.url}/v1/traces`, Buffer.from([0x0a, 0xff, 0xff, 0x01]), PROTO_TYPE);
      assert.equal(proto.status, 400);
      assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
      const status = RpcStatus.decode(proto.body) as unknown as { message: string };
      assert.match(status.message, /not an OTLP ExportTraceServiceRequest in protobuf/);
      const json = await post(`${gw.url}/v1/traces`, Buffer.from('{"resourceSpans": 5}'), JSON_TYPE);
      assert.equal(json.status, 400);
      assert.match(JSON.parse(json.body.toString()).message, /resourceSpans must be an array/);
      const notJson = await post(`${gw.url}/v1/traces`, Buffer.from('{"resourceSpans": ['), JSON_TYPE);
      assert.equal(notJson.status, 400);
      const text = await scrape(gw.url);
      assert.match(
        text,
        /tokenmeter_gateway_requests_total\{tokenmeter_gateway_signal="traces",tokenmeter_gateway_result="malformed"\} 3/,
      );
      assert.equal(h.requests.length, 0, 'nothing malformed reaches the next hop');
    } finally {
      await gw.close(1000);
    }
  });

  test('bodies over the limit get 413, before and after gzip; unknown types and encodings 415', async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0, maxBodyBytes: 2000 });
    try {
      const big = jsonBody(Array.from({ length: 20 }, () => CHAT_SPAN));
      assert.ok(big.length > 2000);
      assert.equal((await post(`${gw.url}/v1/traces`, big, JSON_TYPE)).status, 413);
      const bomb = gzipSync(big);
      assert.ok(bomb.length < 2000, 'small compressed');
      assert.equal(
        (await post(`${gw.url}/v1/traces`, bomb, { ...JSON_TYPE, 'content-encoding': 'gzip' })).status,
        413,
        'the limit holds after decompression (a gzip bomb)',
      );
      assert.equal(
        (await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]), { 'content-type': 'text/plain' })).status,
        415,
      );
      assert.equal(
        (await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]), { ...JSON_TYPE, 'content-encoding': 'br' }))
          .status,
        415,
      );
      const ok = await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]), JSON_TYPE);
      assert.equal(ok.status, 200, 'a keep-alive connection that was refused still works');
    } finally {
      await gw.close(1000);
    }
  });
});

describe('fidelity', () => {
  test('a protobuf batch with nothing to price reaches the next hop byte for byte', async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0 });
    try {
      const body = protobufBody([HTTP_SPAN, HTTP_SPAN]);
      assert.equal((await post(`${gw.url}/v1/traces`, body, PROTO_TYPE)).status, 200);
      await until(() => h.requests.length === 1);
      assert.deepEqual(new Uint8Array(h.requests[0]!.raw), new Uint8Array(body));
    } finally {
      await gw.close(1000);
    }
  });

  test('priced protobuf spans keep fields of newer OTLP versions that the gateway does not know', async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0 });
    try {
      const body = protobufBody([CHAT_SPAN]);
      // Append an unknown field (number 99, varint 7) to the request, the resource spans and the span.
      const unknown = Buffer.from([0x98, 0x06, 0x07]);
      const withUnknown = appendUnknownToFirstSpan(Buffer.from(body), unknown);
      assert.equal((await post(`${gw.url}/v1/traces`, withUnknown, PROTO_TYPE)).status, 200);
      await until(() => h.requests.length === 1);
      const out = h.requests[0]!.raw;
      assert.ok(out.includes(unknown), 'the unknown field is still there');
      const [span] = decodeSpans(out, 'application/x-protobuf');
      assert.ok((span!.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0);
    } finally {
      await gw.close(1000);
    }
  });
});

test('OTLP/JSON int64 times written as bare numbers past 2^53 reach the next hop to the nanosecond', async () => {
  const h = await hop();
  const gw = await startGateway({ forward: h.url, port: 0 });
  try {
    const text = jsonBody([CHAT_SPAN])
      .toString()
      .replace(/"startTimeUnixNano":"\d+"/, '"startTimeUnixNano":1717171717123456789');
    assert.ok(text.includes(':1717171717123456789'));
    assert.equal((await post(`${gw.url}/v1/traces`, Buffer.from(text))).status, 200);
    await until(() => h.requests.length === 1);
    const out = h.requests[0]!.raw.toString();
    assert.match(out, /"startTimeUnixNano":"1717171717123456789"/, 'exact, as a decimal string');
    assert.ok(
      (decodeSpans(h.requests[0]!.raw, 'application/json')[0]!.attributes[ATTR_GEN_AI_USAGE_COST] as number) >
        0,
    );
  } finally {
    await gw.close(1000);
  }
});

/** The request with `extra` appended inside its first span (every enclosing length fixed up). */
function appendUnknownToFirstSpan(body: Buffer, extra: Buffer): Buffer {
  // request: 0x0a len ResourceSpans{ resource, 0x12 len ScopeSpans{ scope, 0x12 len Span } }
  const readLen = (b: Buffer, at: number) => {
    let v = 0;
    let shift = 0;
    let i = at;
    for (;;) {
      const byte = b[i++]!;
      v |= (byte & 0x7f) << shift;
      if (byte < 0x80) return { v, next: i };
      shift += 7;
    }
  };
  const enc = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  const rebuild = (msg: Buffer, fields: number[]): Buffer => {
    if (fields.length === 0) return Buffer.concat([msg, extra]);
    let at = 0;
    while (at < msg.length) {
      const tag = readLen(msg, at);
      const len = readLen(msg, tag.next);
      const end = len.next + len.v;
      if (tag.v >>> 3 === fields[0] && (tag.v & 7) === 2) {
        const inner = rebuild(msg.subarray(len.next, end), fields.slice(1));
        return Buffer.concat([msg.subarray(0, tag.next), enc(inner.length), inner, msg.subarray(end)]);
      }
      at = end; // every field of these messages before the target is length-delimited here
    }
    throw new Error('field not found');
  };
  return rebuild(body, [1, 2, 2]);
}

describe('overload and failures of the next hop', () => {
  test('a full queue answers 429 with Retry-After, and admits again once the next hop takes the backlog', async () => {
    const h = await hop();
    h.stall = true;
    const gw = await startGateway({ forward: h.url, port: 0, maxQueueSpans: 3, forwardTimeoutMs: 60_000 });
    try {
      assert.equal(
        (await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN, CHAT_SPAN, CHAT_SPAN]))).status,
        200,
      );
      const refused = await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]));
      assert.equal(refused.status, 429);
      assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal((await fetch(`${gw.url}/readyz`)).status, 503, 'not ready while full');
      assert.match(await scrape(gw.url), /tokenmeter_gateway_queue_spans 3/);
      h.stall = false;
      await gw.close(100); // the stalled delivery is dropped at the deadline: counted
      assert.equal(gw.queuedSpans, 0);
    } finally {
      await gw.close(100);
    }
  });

  test('with a real SDK exporter, overload loses nothing: 429s are retried by the sender, the next hop gets every span once', async () => {
    const h = await hop();
    h.delayMs = 100;
    const gw = await startGateway({ forward: h.url, port: 0, maxQueueSpans: 16, concurrency: 1 });
    try {
      const senders = Array.from({ length: 4 }, () => startSender(gw.url, 'protobuf'));
      for (const s of senders) for (let i = 0; i < 8; i++) s.span('openai.chat', CHAT_SPAN.attributes);
      await Promise.all(senders.map((s) => s.flush()));
      await until(() => h.spans.length >= 32, 20_000, 'all 32 spans at the next hop');
      await Promise.all(senders.map((s) => s.shutdown()));
      assert.equal(h.spans.length, 32);
      assert.equal(new Set(h.spans.map((s) => s.spanId)).size, 32, 'no span twice');
      assert.match(
        await scrape(gw.url),
        /tokenmeter_gateway_requests_total\{[^}]*result="queue_full"\} [1-9]/,
      );
      assert.match(
        await scrape(gw.url),
        /llm_requests_total\{[^}]*priced="true"[^}]*\} 32/,
        'each call counted once',
      );
    } finally {
      await gw.close(2000);
    }
  });

  test('retryable failures of the next hop (503, 429 with Retry-After) are retried with backoff; the batch arrives once', async () => {
    const h = await hop();
    h.failWith = [503, 429];
    h.failHeaders = { 'retry-after': '0' };
    const gw = await startGateway({ forward: h.url, port: 0, retryInitialMs: 10, retryMaxMs: 50 });
    try {
      assert.equal((await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]))).status, 200);
      await until(() => h.spans.length === 1, 5000);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.spans.length, 1);
      assert.match(
        await scrape(gw.url),
        /tokenmeter_gateway_spans_total\{tokenmeter_gateway_result="forwarded"\} 1/,
      );
    } finally {
      await gw.close(1000);
    }
  });

  test('a batch the next hop refuses for good (400) is dropped, logged and counted, not retried forever', async () => {
    const h = await hop();
    h.failWith = [400];
    const warnings: string[] = [];
    const gw = await startGateway({ forward: h.url, port: 0, warn: (l) => warnings.push(l) });
    try {
      assert.equal((await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]))).status, 200);
      await until(() => warnings.length > 0, 5000);
      assert.match(warnings[0]!, /dropped 1 spans: the next hop refused the batch for good: HTTP 400/);
      assert.match(
        await scrape(gw.url),
        /tokenmeter_gateway_spans_total\{tokenmeter_gateway_result="dropped"\} 1/,
      );
      assert.equal(gw.queuedSpans, 0);
    } finally {
      await gw.close(1000);
    }
  });
});

describe('shutdown', () => {
  test('close() drains: every accepted batch reaches a slow next hop, and requests during the drain get 503', async () => {
    const h = await hop();
    h.delayMs = 200;
    const gw = await startGateway({ forward: h.url, port: 0, concurrency: 2 });
    for (let i = 0; i < 6; i++)
      assert.equal((await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]))).status, 200);
    const closing = gw.close(10_000);
    const during = await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN])).catch(() => ({ status: 0 }));
    assert.ok(during.status === 503 || during.status === 0, `refused while draining (got ${during.status})`);
    await closing;
    assert.equal(h.spans.length, 6, 'nothing accepted is lost');
  });
});

describe('auth and pass-through', () => {
  test('binding off loopback without a token is refused with a message naming the fix', async () => {
    await assert.rejects(
      startGateway({ forward: 'http://127.0.0.1:1', host: '0.0.0.0', port: 0 }),
      (e: Error) => e instanceof GatewayConfigError && /needs a token: set --token/.test(e.message),
    );
  });

  test("with a token: 401 without it; the sender's backend headers go on, the gateway's token does not", async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0, token: 'secret-token' });
    try {
      assert.equal((await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]))).status, 401);
      assert.equal((await fetch(`${gw.url}/metrics`)).status, 401);
      const ok = await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN]), {
        ...JSON_TYPE,
        authorization: 'Bearer secret-token',
        'x-honeycomb-team': 'hc-key',
        'x-scope-orgid': 'tenant-7',
      });
      assert.equal(ok.status, 200);
      await until(() => h.requests.length === 1);
      const headers = h.requests[0]!.headers;
      assert.equal(headers['x-honeycomb-team'], 'hc-key');
      assert.equal(headers['x-scope-orgid'], 'tenant-7');
      assert.equal(headers.authorization, undefined, "the gateway's own token stays at the gateway");
    } finally {
      await gw.close(1000);
    }
  });

  test('/v1/metrics and /v1/logs pass through byte for byte, and the next hop answer comes back', async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0 });
    try {
      const body = gzipSync(Buffer.from('any bytes at all: not even decoded'));
      for (const p of ['/v1/metrics', '/v1/logs']) {
        const r = await post(`${gw.url}${p}`, body, {
          ...PROTO_TYPE,
          'content-encoding': 'gzip',
          'x-custom': 'kept',
        });
        assert.equal(r.status, 200);
      }
      assert.deepEqual(
        h.requests.map((r) => [
          r.path,
          r.headers['content-encoding'],
          r.headers['x-custom'],
          r.raw.equals(body),
        ]),
        [
          ['/v1/metrics', 'gzip', 'kept', true],
          ['/v1/logs', 'gzip', 'kept', true],
        ],
      );
      h.failWith = [503];
      h.failHeaders = { 'retry-after': '7' };
      const relayed = await post(`${gw.url}/v1/metrics`, body, PROTO_TYPE);
      assert.equal(relayed.status, 503);
      assert.equal(relayed.headers.get('retry-after'), '7', "the next hop's backpressure reaches the sender");
    } finally {
      await gw.close(1000);
    }
  });
});

describe('health, metrics and the store', () => {
  test('/healthz and /readyz answer; /metrics has the cost counters of the calls priced', async () => {
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0 });
    try {
      assert.equal(await (await fetch(`${gw.url}/healthz`)).text(), 'ok\n');
      assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
      await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN, CHAT_SPAN]));
      const text = await scrape(gw.url);
      // 2 × (1000 × 0.15 + 100 × 0.6) / 1e6 = 0.00042
      assert.match(text, /llm_cost_usd_total\{provider="openai",model="gpt-4o-mini"\} 0\.00042/);
      assert.match(text, /llm_requests_total\{provider="openai",model="gpt-4o-mini",priced="true"\} 2/);
    } finally {
      await gw.close(1000);
    }
  });

  test('--store writes each priced call, with the service that sent it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tm-gw-store-'));
    const file = path.join(dir, 'fleet.db');
    const h = await hop();
    const gw = await startGateway({ forward: h.url, port: 0, storePath: file });
    try {
      await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN], 'billing-api'));
      await post(`${gw.url}/v1/traces`, jsonBody([CHAT_SPAN, HTTP_SPAN], 'support-bot'));
    } finally {
      await gw.close(1000);
    }
    const store = openStore(file, { readonly: true });
    try {
      const calls = store.calls({}).calls;
      assert.deepEqual(calls.map((c) => c.service).sort(), ['billing-api', 'support-bot']);
      assert.ok(
        calls.every((c) => c.costNanos === 210_000),
        '(1000 × 0.15 + 100 × 0.6) / 1e6 USD = 210000 nano-dollars',
      );
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
