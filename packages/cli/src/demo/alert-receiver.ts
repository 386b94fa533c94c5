// The demo's local alert sink: a webhook receiver on 127.0.0.1 that checks each notice's signature
// and keeps the notices it got (deduplicated on their id, as a receiver should). It exists only while
// the demo runs; it is given to the alert runner in memory, never stored as a sink of the store.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AlertNotice, SIGNATURE_HEADER, type SinkTarget, signature } from '@tokenmeter/alerts';

export interface DemoReceiver {
  sink: SinkTarget;
  /** Notices received with a valid signature, once per id, in arrival order. */
  notices: AlertNotice[];
  /** Requests refused (bad signature, not JSON). */
  refused: number;
  close(): Promise<void>;
}

export async function startDemoReceiver(): Promise<DemoReceiver> {
  const secret = randomBytes(24).toString('hex');
  const seen = new Set<string>();
  const r = { notices: [] as AlertNotice[], refused: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(signature(secret, body));
      const got = Buffer.from(String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? ''));
      let notice: AlertNotice | undefined;
      try {
        notice = JSON.parse(body) as AlertNotice;
      } catch {}
      if (!notice || got.length !== expected.length || !timingSafeEqual(got, expected)) {
        r.refused++;
        res.statusCode = 401;
        res.end();
        return;
      }
      if (!seen.has(notice.id)) {
        seen.add(notice.id);
        r.notices.push(notice);
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return {
    sink: { name: 'demo', kind: 'webhook', url, secret, minSeverity: 'warning' },
    get notices() {
      return r.notices;
    },
    get refused() {
      return r.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
