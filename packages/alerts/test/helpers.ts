// Test helpers: stores filled with synthetic calls, and local HTTP receivers that answer, fail,
// rate-limit, hang or drop the connection on cue.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CallInput } from '@tokenmeter/store';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEK = 7 * DAY;

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-alerts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CallSpec {
  at: number;
  model?: string;
  provider?: string;
  costNanos?: number | null;
  input?: number;
  cacheRead?: number;
  output?: number;
  feature?: string;
  user?: string;
  tenant?: string;
  error?: string;
}

/** A stored call: priced at `costNanos` (null = unpriced), with the given attribution. */
export function call(s: CallSpec): CallInput {
  const model = s.model ?? 'gpt-4o-mini';
  const cost = s.costNanos === undefined ? 1_000_000 : s.costNanos;
  return {
    startTimeMs: s.at,
    durationMs: 500,
    provider: s.provider ?? 'openai',
    operation: 'chat',
    requestModel: model,
    responseModel: model,
    stream: false,
    usage: { inputTokens: s.input ?? 1000, outputTokens: s.output ?? 100, cacheReadTokens: s.cacheRead ?? 0 },
    usageEstimated: false,
    cost:
      cost === null
        ? null
        : {
            totalNanos: cost,
            inputNanos: Math.round(cost * 0.6),
            outputNanos: cost - Math.round(cost * 0.6),
            cacheReadNanos: 0,
            cacheWriteNanos: 0,
            provider: s.provider ?? 'openai',
            modelId: model,
            match: 'exact',
            source: 'test',
            version: 'test',
            serviceTier: 'standard',
          },
    pricingMatch: cost === null ? 'unknown_model' : 'exact',
    ...(s.error ? { errorType: s.error } : {}),
    attribution: {
      ...(s.feature ? { feature: s.feature } : {}),
      ...(s.user ? { user: s.user } : {}),
      ...(s.tenant ? { tenant: s.tenant } : {}),
    },
  };
}

/** `n` calls spread evenly over [since, since + spanMs). */
export function spread(n: number, since: number, spanMs: number, spec: Omit<CallSpec, 'at'>): CallInput[] {
  return Array.from({ length: n }, (_, i) =>
    call({ ...spec, at: since + Math.floor(((i + 0.5) * spanMs) / n) }),
  );
}

export type Behaviour =
  | 'ok'
  | 'hang'
  | 'reset'
  | { status: number; headers?: Record<string, string>; body?: string };

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** What the receiver did with it. */
  behaviour: Behaviour;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order (including those it failed on purpose). */
  requests: Received[];
  /** Requests it answered 2xx to. */
  accepted(): Received[];
  /** Behaviours for the next requests (then `ok`). */
  script: Behaviour[];
  /** Resolves when `n` requests were accepted. */
  waitAccepted(n: number): Promise<void>;
  close(): Promise<void>;
}

/** A local HTTP receiver: each request takes the next behaviour of `script` (default ok → 200). */
export async function startReceiver(script: Behaviour[] = [], port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const accepted = () =>
    requests.filter(
      (r) => r.behaviour === 'ok' || (typeof r.behaviour === 'object' && r.behaviour.status < 300),
    );
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const behaviour = recv.script.shift() ?? 'ok';
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ headers: req.headers, body, json, behaviour });
      if (behaviour === 'hang') {
        hanging.add(res);
        return;
      }
      if (behaviour === 'reset') {
        req.socket.destroy();
        return;
      }
      const b = behaviour === 'ok' ? { status: 200 } : behaviour;
      res.writeHead(b.status, { 'content-type': 'text/plain', ...b.headers });
      res.end(b.body ?? 'ok');
      const n = accepted().length;
      for (const w of [...waiters])
        if (n >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const recv: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    accepted,
    script,
    waitAccepted: (n) =>
      accepted().length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return recv;
}
