// The propagation hook in-process (src/propagation): which hosts get the headers, what an outgoing
// request carries, and that what the app set itself stays as it is. The two-process behaviour is in
// e2e/propagation.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { getAttribution, withAttribution } from '@tokenmeter/instrumentation';
import { hostPolicy, isPrivateHost } from '../src/propagation/hosts.js';
import { installPropagation, type PropagationHandle } from '../src/propagation/index.js';

describe('which hosts get the propagation headers', () => {
  const byDefault = hostPolicy([]);
  test('private hosts by name or address: loopback, RFC 1918, ULA, link-local, single-label, internal suffixes', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      '[::1]',
      '::ffff:10.0.0.7',
      '10.20.30.40',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.10',
      '169.254.169.254',
      '100.64.0.1',
      '[fd12:3456::1]',
      'fe80::1',
      'orders',
      'Orders.Internal',
      'orders.default.svc',
      'orders.default.svc.cluster.local',
      'printer.local',
      'nas.lan',
      'router.home.arpa',
      'app.localhost',
      'orders.internal.',
    ]) {
      assert.equal(byDefault(host), true, host);
    }
  });
  test('public hosts and addresses do not, nor names that only look internal', () => {
    for (const host of [
      'example.com',
      'api.stripe.com',
      '8.8.8.8',
      '172.32.0.1',
      '192.169.0.1',
      '[2001:db8::1]',
      'internal.example.com',
      'local.example.com',
    ]) {
      assert.equal(byDefault(host), false, host);
      assert.equal(isPrivateHost(host.replace(/^\[|\]$/g, '')), false, host);
    }
  });
  test('TOKENMETER_PROPAGATION_HOSTS adds exact hosts, *.domain subdomains, or every host with *', () => {
    const listed = hostPolicy(['api.mycorp.com', '*.partner.net', '203.0.113.5']);
    assert.equal(listed('api.mycorp.com'), true);
    assert.equal(listed('API.MyCorp.com'), true);
    assert.equal(listed('www.mycorp.com'), false);
    assert.equal(listed('a.b.partner.net'), true);
    assert.equal(listed('partner.net'), false);
    assert.equal(listed('203.0.113.5'), true);
    assert.equal(listed('orders'), true, 'private hosts still do');
    assert.equal(hostPolicy(['*'])('example.com'), true);
  });
  test('a known LLM provider host never does, even listed or under *', () => {
    const all = hostPolicy(['*', 'api.openai.com', '*.amazonaws.com']);
    for (const host of [
      'api.openai.com',
      'api.anthropic.com',
      'generativelanguage.googleapis.com',
      'us-central1-aiplatform.googleapis.com',
      'bedrock-runtime.us-east-1.amazonaws.com',
      'my-res.openai.azure.com',
      'openrouter.ai',
      'api.mistral.ai',
    ]) {
      assert.equal(all(host), false, host);
    }
    assert.equal(all('s3.us-east-1.amazonaws.com'), true);
  });
});

/** The context manager and W3C propagators tokenmeter's SDK registers, as the globals. */
function useW3cGlobals(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

function dropW3cGlobals(): void {
  context.disable();
  propagation.disable();
}

describe('what an outgoing request carries', () => {
  let server: http.Server;
  let port: number;
  let handle: PropagationHandle;
  const received: http.IncomingHttpHeaders[] = [];
  const errors: unknown[] = [];
  const span = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
  });

  before(async () => {
    useW3cGlobals();
    handle = installPropagation({ incoming: false, hosts: [], onError: (e) => errors.push(e) });
    server = http.createServer((req, res) => {
      received.push(req.headers);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    handle.uninstall();
    server.close();
    dropW3cGlobals();
  });

  const get = (headers: Record<string, string> = {}) =>
    new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(received.at(-1)!));
        })
        .on('error', reject);
    });
  const inTrace = <T>(fn: () => Promise<T>) =>
    context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
      withAttribution({ feature: 'search', user: 'u 42', tenant: 'acme' }, fn),
    );

  test('outside any context and without defaults: no header added', async () => {
    const h = await get();
    assert.equal(h.traceparent, undefined);
    assert.equal(h.baggage, undefined);
  });

  test('inside a span and withAttribution: traceparent and the attribution in baggage, percent-encoded', async () => {
    const h = await inTrace(() => get());
    assert.equal(h.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.deepEqual(String(h.baggage).split(',').sort(), [
      'tokenmeter.feature=search',
      'tokenmeter.tenant.id=acme',
      'tokenmeter.user.id=u%2042',
    ]);
    const f = await inTrace(async () => {
      await fetch(`http://127.0.0.1:${port}/`).then((r) => r.arrayBuffer());
      return received.at(-1)!;
    });
    assert.equal(f.traceparent, h.traceparent, 'fetch carries the same');
    assert.equal(f.baggage, h.baggage);
  });

  test('headers the app set itself are kept as they are (http.request and fetch)', async () => {
    const own = { traceparent: '00-11111111111111111111111111111111-2222222222222222-00', baggage: 'mine=1' };
    const h = await inTrace(() => get(own));
    assert.deepEqual([h.traceparent, h.baggage], [own.traceparent, own.baggage]);
    const f = await inTrace(async () => {
      await fetch(`http://127.0.0.1:${port}/`, { headers: own }).then((r) => r.arrayBuffer());
      return received.at(-1)!;
    });
    assert.deepEqual([f.traceparent, f.baggage], [own.traceparent, own.baggage]);
  });

  test('a fetch to an LLM provider host gets nothing (undici request as its diagnostics channel publishes it)', () => {
    const headers: string[] = ['content-type', 'application/json'];
    const request = {
      origin: 'https://api.openai.com',
      headers,
      addHeader(name: string, value: string) {
        headers.push(name, value);
        return this;
      },
    };
    context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
      withAttribution({ feature: 'search' }, () => {
        diagnostics.channel('undici:request:create').publish({ request });
        assert.deepEqual(headers, ['content-type', 'application/json']);
        request.origin = 'http://orders.internal:8080';
        diagnostics.channel('undici:request:create').publish({ request });
      }),
    );
    assert.deepEqual(
      headers
        .filter((_, i) => i % 2 === 0)
        .slice(1)
        .sort(),
      ['baggage', 'traceparent'],
    );
    assert.deepEqual(errors, []);
  });
});

/** A self-signed certificate for 127.0.0.1, made by openssl for this run. */
function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tm-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore', timeout: 30_000 },
    );
    return {
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('https: requests sent with https.request and https.get, and requests an https server receives', () => {
  let server: https.Server;
  let port: number;
  let handle: PropagationHandle;
  const received: { headers: http.IncomingHttpHeaders; traceId: string | undefined; feature: unknown }[] = [];
  const errors: unknown[] = [];
  const span = trace.wrapSpanContext({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  });

  before(async () => {
    useW3cGlobals();
    handle = installPropagation({ incoming: true, hosts: [], onError: (e) => errors.push(e) });
    server = https.createServer(selfSignedCert(), (req, res) => {
      // The handler runs in the context the request's headers describe.
      received.push({
        headers: req.headers,
        traceId: trace.getSpanContext(context.active())?.traceId,
        feature: getAttribution(context.active()).feature,
      });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    handle.uninstall();
    server.close();
    dropW3cGlobals();
  });

  const send = (how: 'request' | 'get') =>
    new Promise<(typeof received)[number]>((resolve, reject) => {
      const options = { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false };
      const done = (res: http.IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(received.at(-1)!));
      };
      const req = how === 'get' ? https.get(options, done) : https.request(options, done);
      req.on('error', reject);
      if (how === 'request') req.end();
    });

  test('inside a span and withAttribution: https.request and https.get carry traceparent and baggage, and the https server handles them in that context', async () => {
    for (const how of ['request', 'get'] as const) {
      const r = await context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
        withAttribution({ feature: 'tls-search' }, () => send(how)),
      );
      assert.equal(r.headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', how);
      assert.equal(r.headers.baggage, 'tokenmeter.feature=tls-search', how);
      assert.equal(
        r.traceId,
        '4bf92f3577b34da6a3ce929d0e0e4736',
        `${how}: the server's handler joined the trace`,
      );
      assert.equal(r.feature, 'tls-search', `${how}: and has the attribution`);
    }
    const outside = await send('request');
    assert.equal(outside.headers.traceparent, undefined);
    assert.equal(outside.traceId, undefined);
    assert.deepEqual(errors, []);
  });
});

describe('an http.Server emit of its own, set before propagation is installed (another preload)', () => {
  test('is wrapped too: its server handles a request in the context its headers describe', async () => {
    const proto = http.Server.prototype as unknown as { emit: (...args: unknown[]) => boolean };
    assert.equal(Object.hasOwn(proto, 'emit'), false);
    // An HTTP instrumentation loaded first: it calls the emit it found then, never net.Server's.
    const inherited = proto.emit;
    proto.emit = function emit(this: unknown, ...args: unknown[]) {
      return inherited.apply(this, args);
    };
    useW3cGlobals();
    const errors: unknown[] = [];
    const handle = installPropagation({ incoming: true, hosts: [], onError: (e) => errors.push(e) });
    const seen: (string | undefined)[] = [];
    const server = http.createServer((_req, res) => {
      seen.push(trace.getSpanContext(context.active())?.traceId);
      res.end();
    });
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port,
              path: '/',
              headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          )
          .on('error', reject);
      });
      assert.deepEqual(seen, ['4bf92f3577b34da6a3ce929d0e0e4736']);
      assert.deepEqual(errors, []);
    } finally {
      handle.uninstall();
      server.close();
      dropW3cGlobals();
      delete (proto as { emit?: unknown }).emit;
    }
  });
});
