// An in-process A/B diagnostic (not a test, no assertions; not a headline figure): the adapters'
// per-call entry points of this tree against those of a git ref (default `main`), in alternating
// blocks in one process, so both see the same machine load. Reports the median ns per call of each
// side over the blocks, with the interquartile range, and the ratio of the medians.
// Run: npx tsx packages/instrumentation/test/adapters/format-ab.ts [git-ref] [blocks]
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fixtureBytes, fixtureJson } from './helpers.js';

type Adapters = typeof import('../../src/adapters/index.js');
type Sse = typeof import('../../src/sse.js');

const ref = process.argv[2] ?? 'main';
const blocks = Number(process.argv[3] ?? 41);
const pkg = fileURLToPath(new URL('../../', import.meta.url));
const oldDir = `${pkg}.format-ab-${process.pid}/`;

// The ref's src tree, beside this one (so it resolves the same packages).
mkdirSync(oldDir, { recursive: true });
execFileSync('sh', ['-c', `git archive ${ref} src | tar -x -C ${oldDir}`], { cwd: pkg });
try {
  const current: [Adapters, Sse] = [
    await import('../../src/adapters/index.js'),
    await import('../../src/sse.js'),
  ];
  const before: [Adapters, Sse] = [
    (await import(`${oldDir}src/adapters/index.ts`)) as Adapters,
    (await import(`${oldDir}src/sse.ts`)) as Sse,
  ];
  run(before, current);
} finally {
  rmSync(oldDir, { recursive: true, force: true });
}

interface Case {
  name: string;
  /** One call, its result kept so the work is not optimised away. */
  make(a: Adapters, sse: Sse): () => unknown;
  /** Calls per block. */
  n: number;
}

function cases(): Case[] {
  const url = (u: string) => new URL(u);
  const view = (u: string, body: unknown) => ({ url: url(u), method: 'POST', body });
  const chatBody = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    temperature: 0.2,
  };
  const requests = [
    view('https://api.openai.com/v1/chat/completions', chatBody),
    view('https://api.anthropic.com/v1/messages', {
      model: 'claude-3-5-haiku',
      max_tokens: 10,
      messages: [],
    }),
    view('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', {
      generationConfig: { maxOutputTokens: 10, temperature: 0.1 },
    }),
    view('https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse', {
      inferenceConfig: { maxTokens: 10 },
    }),
  ];
  const bodies: [string, string, unknown][] = [
    ['https://api.openai.com/v1/chat/completions', 'openai/chat-cached.json', { model: 'gpt-4o-mini' }],
    [
      'https://api.anthropic.com/v1/messages',
      'anthropic/messages-thinking.json',
      { model: 'claude', messages: [] },
    ],
    [
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
      'gemini/generate-thinking.json',
      {},
    ],
  ];
  const sse = (name: string) => {
    const events: { data: string; event: string | undefined }[] = [];
    return { bytes: fixtureBytes(name), events };
  };
  const openaiStream = sse('openai/chat-stream-include-usage.sse');
  const anthropicStream = sse('anthropic/messages-stream.sse');
  return [
    {
      name: 'recognizeRequest (4 formats, with body)',
      n: 20_000,
      make: (a) => {
        let i = 0;
        return () => a.recognizeRequest(requests[i++ % requests.length]!);
      },
    },
    {
      name: 'parseResponse (openai, anthropic, gemini JSON)',
      n: 20_000,
      make: (a) => {
        const prepared = bodies.map(
          ([u, f, b]) => [a.recognizeRequest(view(u, b))!, fixtureJson(f)] as const,
        );
        let i = 0;
        return () => {
          const [info, json] = prepared[i++ % prepared.length]!;
          return a.parseResponse(info, json);
        };
      },
    },
    ...[
      [
        'openai chat stream: parser over its events',
        'https://api.openai.com/v1/chat/completions',
        openaiStream,
      ],
      ['anthropic stream: parser over its events', 'https://api.anthropic.com/v1/messages', anthropicStream],
    ].map(
      ([name, u, s]) =>
        ({
          name: name as string,
          n: 2_000,
          make: (a: Adapters, lib: Sse) => {
            const info = a.recognizeRequest(view(u as string, { model: 'm', messages: [], stream: true }))!;
            const events: [string, string | undefined][] = [];
            const d = new lib.SseDecoder((data, event) => events.push([data, event]));
            d.push((s as { bytes: Uint8Array }).bytes);
            d.end();
            return () => {
              const p = a.createStreamParser(info);
              for (const [data, event] of events) p.onEvent(data, event);
              return p.result();
            };
          },
        }) satisfies Case,
    ),
  ];
}

function run(before: [Adapters, Sse], current: [Adapters, Sse]): void {
  console.log(`adapters A/B: ${ref} (A) vs this tree (B), ${blocks} alternating blocks; ns per call`);
  for (const c of cases()) {
    const fns = [c.make(...before), c.make(...current)];
    const samples: number[][] = [[], []];
    let sink: unknown;
    for (let b = 0; b < blocks + 5; b++) {
      for (const side of b % 2 === 0 ? [0, 1] : [1, 0]) {
        const fn = fns[side]!;
        const t0 = performance.now();
        for (let i = 0; i < c.n; i++) sink = fn();
        const ns = ((performance.now() - t0) * 1e6) / c.n;
        if (b >= 5) samples[side]!.push(ns); // the first blocks warm up
      }
    }
    void sink;
    const [a, bq] = samples.map(quartiles) as [Q, Q];
    console.log(
      `${c.name.padEnd(48)} A ${a.median.toFixed(0)} [${a.q1.toFixed(0)}–${a.q3.toFixed(0)}]  B ${bq.median.toFixed(0)} [${bq.q1.toFixed(0)}–${bq.q3.toFixed(0)}]  B/A ${(bq.median / a.median).toFixed(3)}`,
    );
  }
}

interface Q {
  q1: number;
  median: number;
  q3: number;
}

function quartiles(xs: number[]): Q {
  const s = [...xs].sort((x, y) => x - y);
  const at = (p: number) => s[Math.round(p * (s.length - 1))]!;
  return { q1: at(0.25), median: at(0.5), q3: at(0.75) };
}
