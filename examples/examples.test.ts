// Every example runs with one command against the mock provider and prints its priced calls.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function run(example: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_')) env[k] = v;
    }
    const child = spawn(process.execPath, [path.join(here, example, 'run.mjs')], { env });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const EXAMPLES: Record<string, { calls: number; lines: RegExp[] }> = {
  'esm-openai': {
    calls: 2,
    lines: [/chat gpt-4o-mini\S* {2}openai .*\$0\.\d{9}$/m, /\$0\.\d{9} {2}\(stream\)/],
  },
  'cjs-openai': {
    calls: 2,
    lines: [/chat gpt-4o-mini\S* {2}openai/, /embeddings text-embedding-3-small {2}openai .*\$0\.\d{9}/],
  },
  'anthropic-streaming': {
    calls: 2,
    lines: [/anthropic .*cache read 0 write [1-9]\d*/, /anthropic .*cache read [1-9]\d* write 0/],
  },
  gemini: { calls: 2, lines: [/generate_content gemini-2\.0-flash {2}gcp\.gemini .*\$0\.\d{9}/] },
  'vercel-ai-sdk': { calls: 1, lines: [/openai .*\$0\.\d{9} {2}\(stream\) {2}\[support-chat\/acme\]/] },
  'gateway-python-replay': {
    calls: 1,
    lines: [
      /gen_ai\.usage\.cost = 0\.0002665 USD/,
      /llm_cost_usd_total\{provider="openai",model="gpt-3\.5-turbo"\} 0\.0002665/,
      /chat gpt-3\.5-turbo-0125 {2}openai {2}in 14 {2}out 173 {2}\$0\.000266500/,
    ],
  },
  'own-sdk': {
    calls: 1,
    lines: [
      /\[app SDK\] span "chat gpt-4o-mini" cost \$/,
      /\[app SDK\] metric llm\.cost_usd = 0\.\d+/,
      /--import \.\/otel\.mjs --import @tokenmeter\/node\/register/,
    ],
  },
};

const results = new Map<string, Promise<{ code: number | null; out: string }>>();
const result = (name: string) => {
  if (!results.has(name)) results.set(name, run(name));
  return results.get(name)!;
};

for (const [name, want] of Object.entries(EXAMPLES)) {
  test(`examples/${name}: one command, priced calls printed`, async () => {
    // Start them all at once; each test awaits its own.
    for (const n of Object.keys(EXAMPLES)) void result(n);
    const { code, out } = await result(name);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`total: ${want.calls} calls?, \\$0\\.\\d{9}`), out);
    assert.doesNotMatch(out, /total: \d+ calls?, \$0\.000000000/, 'a priced total');
    for (const re of want.lines) assert.match(out, re, out);
    assert.doesNotMatch(out, /^tokenmeter:/m, 'tokenmeter printed a problem');
  });
}
