// tokenmeter alerts add|list|rm|test|log and tokenmeter watch, with local receivers; and the promise
// that a notice survives a crash of `watch` in the middle of its delivery and is acted on once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '@tokenmeter/store';
import { BIN, HOUR, makeStore, pricedCall, run, tempDir } from './helpers.js';

interface Hit {
  body: string;
  json: { id: string; type: string; alert: { kind: string; id: number; title: string } };
  headers: IncomingMessage['headers'];
}

/** A receiver whose answer is chosen per request; `hits` has every request, in order. */
async function receiver(
  answer: (n: number, res: ServerResponse) => void = (_n, res) => res.end('ok'),
): Promise<{ url: string; hits: Hit[]; answer: typeof answer; server: Server; close(): Promise<void> }> {
  const r = {
    url: '',
    hits: [] as Hit[],
    answer,
    server: undefined as unknown as Server,
    close: () =>
      new Promise<void>((resolve) => {
        r.server.close(() => resolve());
        r.server.closeAllConnections();
      }),
  };
  r.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      r.hits.push({ body, json: JSON.parse(body), headers: req.headers });
      r.answer(r.hits.length, res);
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}

/** A store whose last hour spent 3× the same hour of the 3 weeks before: a spend and volume spike. */
function spikeStore(dir: string, now: number): string {
  const calls = [];
  for (let k = 0; k <= 3; k++) {
    const n = k === 0 ? 90 : 30;
    for (let i = 0; i < n; i++)
      calls.push(
        pricedCall({
          at: now - HOUR - k * 7 * 24 * HOUR + Math.floor(((i + 0.5) * HOUR) / n),
          provider: 'openai',
          model: 'gpt-4o',
          input: 20_000,
          output: 1000,
          feature: k === 0 && i % 3 ? 'agent' : 'chat',
          tenant: 'acme',
        }),
      );
  }
  return makeStore(dir, calls);
}

function watch(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, 'watch', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  return { child, output: () => out, exited };
}

async function until(what: string, ok: () => boolean, output: () => string): Promise<void> {
  for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), `${what}; output so far:\n${output()}`);
}

describe('tokenmeter alerts', () => {
  it('add, list (URLs masked), test (signed, what each sink answered), rm', async (t) => {
    const dir = tempDir(t);
    const file = makeStore(dir, []);
    const good = await receiver();
    const bad = await receiver((_n, res) => {
      res.statusCode = 404;
      res.end();
    });
    t.after(() => Promise.all([good.close(), bad.close()]));
    const add = await run(['alerts', 'add', 'webhook', good.url, '--secret', 's3cret', '--store', file]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(
      add.stdout,
      /✓ Sink 1: webhook http:\/\/127\.0\.0\.1:\d+\/…, warnings and critical alerts, signed/,
    );
    await run(['alerts', 'add', 'slack', bad.url, '--min-severity', 'critical', '--store', file]);
    const list = await run(['alerts', 'list', '--store', file]);
    assert.match(list.stdout, /1 +webhook +http:\/\/127\.0\.0\.1:\d+\/… +set +warning/);
    assert.match(list.stdout, /2 +slack +http:\/\/127\.0\.0\.1:\d+\/… +— +critical/);
    assert.ok(!list.stdout.includes('/hook'), 'paths (tokens) are not printed');
    const json = JSON.parse((await run(['alerts', 'list', '--json', '--store', file])).stdout);
    assert.deepEqual(
      json.sinks.map((s: { hasSecret: boolean }) => s.hasSecret),
      [true, false],
    );
    assert.ok(!JSON.stringify(json).includes('s3cret'));

    const test = await run(['alerts', 'test', '--store', file]);
    assert.equal(test.code, 1, 'one sink failed');
    assert.match(test.stdout, /✓ 1 webhook http:\/\/127\.0\.0\.1:\d+\/…: HTTP 200 in \d+ ms/);
    assert.match(test.stdout, /✗ 2 slack .*HTTP 404 from 127\.0\.0\.1:\d+ \(not retried/);
    const hit = good.hits[0]!;
    assert.equal(hit.json.type, 'alert.test');
    assert.equal(
      hit.headers['x-tokenmeter-signature'],
      `sha256=${createHmac('sha256', 's3cret').update(hit.body).digest('hex')}`,
    );
    assert.ok(
      typeof bad.hits[0]!.json === 'object' && 'blocks' in (bad.hits[0]!.json as object),
      'Slack format',
    );

    assert.equal((await run(['alerts', 'rm', '2', '--store', file])).code, 0);
    const rm = await run(['alerts', 'rm', '2', '--store', file]);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /No alert sink with id 2/);
  });

  it('bad sinks are refused in one line naming the fix', async (t) => {
    const file = makeStore(tempDir(t), []);
    const cases: [string[], RegExp][] = [
      [['alerts', 'add', 'pagerduty'], /needs its integration \(routing\) key: --secret KEY/],
      [['alerts', 'add', 'email', 'x'], /"email" is not a sink kind: use webhook, slack or pagerduty/],
      [['alerts', 'add', 'webhook', 'hooks.example.com'], /is not a URL/],
      [
        ['alerts', 'add', 'slack', 'https://hooks.slack.com/x', '--min-severity', 'info'],
        /--min-severity: "info"/,
      ],
      [['alerts', 'add', 'webhook'], /missing the URL of the webhook/],
    ];
    for (const [argv, message] of cases) {
      const r = await run([...argv, '--store', file]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message);
    }
    const pd = await run(['alerts', 'add', 'pagerduty', '--secret', 'R0UT1NG', '--store', file]);
    assert.equal(pd.code, 0, pd.stderr);
    assert.match(
      pd.stdout,
      /pagerduty https:\/\/events\.pagerduty\.com\/…, warnings and critical alerts, with its routing key/,
    );
  });

  it('watch --once evaluates, delivers, and the log shows what fired and where it went', async (t) => {
    const dir = tempDir(t);
    const now = Date.now();
    const file = spikeStore(dir, now);
    const recv = await receiver();
    t.after(() => recv.close());
    await run(['alerts', 'add', 'webhook', recv.url, '--store', file]);
    const w = watch(['--once', '--store', file, '--dashboard-url', 'https://tm.example/']);
    assert.equal(await w.exited, 0, w.output());
    assert.match(w.output(), /FIRED +critical +Spend spike: \$[\d.]+ in the last hour, 3\.0× the usual/);
    assert.match(w.output(), /DELIVERED +trigger of alert \d+ to store:1/);
    assert.match(w.output(), /2 conditions found, 2 notices delivered, 0 to retry, 0 given up/);
    assert.deepEqual(recv.hits.map((h) => h.json.alert.kind).sort(), ['spend_spike', 'volume_spike']);
    assert.match(recv.hits[0]!.body, /"url":"https:\/\/tm\.example\/\?view=/);
    const log = await run(['alerts', 'log', '--store', file], { now });
    assert.match(log.stdout, /firing +critical +Spend spike: .* +1 delivered/);
    const json = JSON.parse((await run(['alerts', 'log', '--json', '--store', file], { now })).stdout);
    const spike = json.alerts.find((a: { kind: string }) => a.kind === 'spend_spike');
    assert.equal(spike.deliveries[0].state, 'delivered');
    assert.equal(spike.deliveries[0].sinkLabel.startsWith('webhook http://127.0.0.1:'), true);
    assert.equal(spike.contributors.feature[0].key, 'agent');
    // Run again: the alerts are still firing, already notified: nothing new is sent.
    const again = watch(['--once', '--store', file]);
    assert.equal(await again.exited, 0);
    assert.equal(recv.hits.length, 2);
  });

  it('watch --budgets FILE: a budget of the file past 80% notifies the sink of the file (URL from the environment)', async (t) => {
    const dir = tempDir(t);
    const now = Date.now();
    const file = makeStore(dir, [
      pricedCall({
        at: now - 60_000,
        provider: 'openai',
        model: 'gpt-4o',
        input: 200_000,
        output: 10_000,
        tenant: 'acme',
      }),
    ]);
    const recv = await receiver();
    t.after(() => recv.close());
    writeFileSync(
      path.join(dir, 'budgets.yaml'),
      'budgets:\n' +
        '  - { name: acme-daily, limit_usd: 0.7, period: "rolling:24h", tenant: acme, alert_at: [50, 80, 100] }\n' +
        'sinks:\n' +
        '  - { name: ops, type: webhook, url_env: OPS_HOOK }\n' +
        'alerts:\n' +
        '  dashboard_url: https://tm.example\n',
    );
    const w = spawn(
      process.execPath,
      [BIN, 'watch', '--once', '--store', file, '--budgets', path.join(dir, 'budgets.yaml')],
      {
        env: { ...process.env, NO_COLOR: '1', OPS_HOOK: recv.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    w.stdout!.on('data', (d) => (out += d));
    w.stderr!.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => w.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /FIRED +warning +Budget "acme-daily" past 80%: \$0\.6\d of \$0\.70 spent/);
    assert.match(out, /DELIVERED +trigger of alert \d+ to file:ops/);
    const hit = recv.hits.find((h) => h.json.alert.kind === 'budget_threshold');
    assert.ok(hit, out);
    assert.match(hit.body, /"url":"https:\/\/tm\.example\/\?view=budgets&budget=file%3Aacme-daily"/);
  });

  it('a notice survives watch being killed mid-delivery and a restart, and is acted on once (receiver dedupes on id)', async (t) => {
    const dir = tempDir(t);
    const file = spikeStore(dir, Date.now());
    // The receiver does not answer at first: watch is killed while waiting for the answers.
    const recv = await receiver(() => {});
    t.after(() => recv.close());
    await run(['alerts', 'add', 'webhook', recv.url, '--store', file]);
    const first = watch(['--store', file]);
    await until('the receiver got both notices', () => recv.hits.length >= 2, first.output);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.doesNotMatch(first.output(), /DELIVERED/);

    recv.answer = (_n, res) => res.end('ok');
    const second = watch(['--store', file]);
    await until(
      'both notices delivered after the restart',
      () => (second.output().match(/DELIVERED/g) ?? []).length >= 2,
      second.output,
    );
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());

    // Two alerts fired once each. The notices cut off by the crash arrived again after the restart,
    // byte for byte with the same id: a receiver that dedupes on `id` acts on each once.
    const ids = recv.hits.map((h) => h.json.id);
    assert.equal(ids.length, 4, ids.join(' '));
    assert.equal(new Set(ids).size, 2);
    for (const h of recv.hits.slice(0, 2))
      assert.ok(
        recv.hits.slice(2).some((again) => again.body === h.body),
        'resent as is',
      );
    const store = openStore(file, { readonly: true });
    t.after(() => store.close());
    assert.deepEqual(
      store.alerts.messages().map((m) => m.state),
      ['delivered', 'delivered'],
    );
    assert.equal(store.alerts.firing().length, 2, 'fired once: the restart did not open them again');
  });

  it('a receiver that is down while watch stops and restarts gets the notice once it is back', async (t) => {
    const dir = tempDir(t);
    const file = spikeStore(dir, Date.now());
    const recv = await receiver((_n, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', '1');
      res.end();
    });
    t.after(() => recv.close());
    await run(['alerts', 'add', 'webhook', recv.url, '--store', file]);
    const first = watch(['--store', file]);
    await until('a retry is scheduled', () => /RETRY/.test(first.output()), first.output);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    recv.answer = (_n, res) => res.end('ok');
    const second = watch(['--store', file]);
    await until(
      'delivered after the restart',
      () => (second.output().match(/DELIVERED/g) ?? []).length >= 2,
      second.output,
    );
    second.child.kill('SIGTERM');
    await second.exited;
    const delivered = new Set(recv.hits.slice(-2).map((h) => h.json.id));
    assert.equal(delivered.size, 2);
    const store = openStore(file, { readonly: true });
    t.after(() => store.close());
    const msgs = store.alerts.messages();
    assert.ok(
      msgs.every((m) => m.state === 'delivered' && m.attempts >= 2),
      JSON.stringify(msgs),
    );
  });
});
