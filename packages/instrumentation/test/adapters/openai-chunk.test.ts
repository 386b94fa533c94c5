// The Chat Completions chunk reader: for any text, either undefined (the event is then JSON.parsed)
// or exactly the members the stream parser reads, as JSON.parse gives them; never a value for a text
// JSON.parse rejects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readChatChunk } from '../../src/adapters/openai-chunk.js';
import { fixtureText } from './helpers.js';

const TOP = ['id', 'model', 'service_tier', 'usage', 'x_groq', 'error'];
const CHOICE = ['index', 'finish_reason', 'text', 'delta'];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** What the stream parser reads of a parsed chunk. */
function project(parsed: unknown): unknown {
  if (!isObject(parsed)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of TOP) if (Object.hasOwn(parsed, k)) out[k] = parsed[k];
  if (Object.hasOwn(parsed, 'choices')) {
    const choices = parsed.choices;
    out.choices = Array.isArray(choices)
      ? choices.map((c) => {
          if (!isObject(c)) return c;
          const o: Record<string, unknown> = {};
          for (const k of CHOICE) if (Object.hasOwn(c, k)) o[k] = c[k];
          return o;
        })
      : choices;
  }
  return out;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The reader agrees with JSON.parse on `text` (or leaves it to JSON.parse). */
function agrees(text: string): boolean {
  const read = readChatChunk(text);
  if (read === undefined) return true;
  const expected = parsed(text);
  assert.ok(isObject(expected), `read a text JSON.parse does not give an object for: ${text}`);
  assert.deepStrictEqual(read, project(expected), text);
  return true;
}

const dataLines = (name: string) =>
  fixtureText(name)
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => l.slice(6));

/** OpenAI's own recordings: every chunk of them is read without JSON.parse. */
const openai = [
  ...dataLines('openai/chat-stream-include-usage.sse'),
  ...dataLines('openai/chat-stream-no-usage.sse'),
];
const recorded = [
  ...openai,
  ...dataLines('openai/copes-with-chunks-missing-a-choices-array.sse'),
  ...dataLines('gateways/openrouter-chat-stream.sse'),
  ...dataLines('gateways/litellm-proxy-chat-stream.sse'),
];

test("reads OpenAI's recorded chunks as JSON.parse does, without falling back; others as JSON.parse or not at all", () => {
  assert.ok(openai.length > 10);
  for (const text of openai) assert.notEqual(readChatChunk(text), undefined, text);
  // With the obfuscation member OpenAI adds by default, and a refusal delta's first event.
  const withObfuscation = `${openai[1]!.slice(0, -1)},"obfuscation":"x7Qb"}`;
  assert.notEqual(readChatChunk(withObfuscation), undefined);
  for (const text of [...recorded, withObfuscation]) agrees(text);
});

test('reads edge cases as JSON.parse does, or leaves them to it', () => {
  const cases = [
    '{}',
    ' { } ',
    '{"id":"a","id":"b"}',
    '{"model":"a","choices":[],"model":""}',
    '{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null,"finish_reason":"stop"}]}',
    '{"choices":[1,"x",null,[],{"index":1}]}',
    '{"choices":{"index":0}}',
    '{"id":"a\\"b"}',
    '{"i\\u0064":"a"}',
    '{"usage":{"__proto__":{"prompt_tokens":1}}}',
    '{"__proto__":{"id":"x"},"id":"y"}',
    '{"usage":{"prompt_tokens":1e400,"completion_tokens":-0,"total_tokens":1.5E+2}}',
    '{"usage":{"prompt_tokens":01}}',
    '{"usage":{"prompt_tokens":1.}}',
    '{"usage":{"prompt_tokens":-}}',
    '{"usage":{"prompt_tokens":.5}}',
    '{"x":"\\q"}',
    '{"x":"\\u12"}',
    '{"x":"\\u12G4"}',
    '{"x":"a\tb"}',
    '{"x":"a\u001fb"}',
    '{"id":"a\u001fb"}',
    '{"x":"a',
    '{"x":[1,2,]}',
    '{"x":{"a":1,}}',
    '{"x":1,}',
    '{"x":1}}',
    '{"x":1} x',
    '{"x" 1}',
    '{"x":tru}',
    '{"x":nul}',
    '[{"id":"a"}]',
    '"id"',
    '',
    '{"id": "a" , "model" :\n"b"\r\n,\t"choices" : [ { "index" : 0 , "delta" : { } } ] }',
    `{"x":${'['.repeat(40)}${']'.repeat(40)},"id":"a"}`,
    `{"usage":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
    '{"id":"naïve 東京 😀","model":"\ud800"}',
    '{"error":{"message":"bad","type":"invalid_request_error","code":null}}',
    '{"x_groq":{"id":"req_1","usage":{"prompt_tokens":3,"completion_tokens":4}}}',
  ];
  for (const text of cases) agrees(text);
  const plain = openai[1]!;
  for (const text of [
    `${plain.slice(0, -1)},"id":"other"}`,
    `${plain.slice(0, -1)},"model":"other"}`,
    `${plain.slice(0, -1)} `,
    plain.replace('"created":', '"created":0'),
    plain.replace('"index":0', '"index":00'),
    plain.replace('"content":"', '"content":"\\n'),
    plain.replace('"content":"', '"content":"\u001f'),
    plain.replace('"model":"', '"model":"\u0000'),
    plain.replace('"choices":[{', '"choices":[{"index":1,"delta":{},"logprobs":null,"finish_reason":null},{'),
  ]) {
    assert.equal(readChatChunk(text), undefined, text);
    agrees(text);
  }
});

test("reads chunks of OpenAI's shape with any values as JSON.parse does (property)", () => {
  // Any string, as JSON writes it (escapes too) or raw (control characters, quotes: not JSON).
  const text = fc.oneof(
    fc.string({ unit: 'grapheme' }).map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary' }).map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 6 }).map((v) => `"${v}"`),
  );
  const int = fc.oneof(fc.nat().map(String), fc.constantFrom('00', '01', '-1', '1.5', '1e3', '', 'null'));
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const chunk = fc.record({
    id: text,
    model: text,
    tier: maybe(text),
    fingerprint: fc.oneof(fc.constant('null'), text),
    created: int,
    choice: maybe(
      fc.record({
        index: int,
        role: fc.boolean(),
        content: maybe(text),
        refusal: fc.boolean(),
        finish: fc.oneof(fc.constant('null'), text),
      }),
    ),
    usage: maybe(fc.oneof(fc.constant('null'), fc.array(int, { minLength: 9, maxLength: 9 }))),
    obfuscation: maybe(text),
  });
  const render = (c: typeof chunk extends fc.Arbitrary<infer T> ? T : never): string => {
    let delta = '{}';
    if (c.choice?.content !== undefined)
      delta = `{${c.choice.role ? '"role":"assistant",' : ''}"content":${c.choice.content}${c.choice.refusal ? ',"refusal":null' : ''}}`;
    const choices = c.choice
      ? `[{"index":${c.choice.index},"delta":${delta},"logprobs":null,"finish_reason":${c.choice.finish}}]`
      : '[]';
    let usage = '';
    if (c.usage === 'null') usage = ',"usage":null';
    else if (c.usage !== undefined) {
      const u = c.usage;
      usage =
        `,"usage":{"prompt_tokens":${u[0]},"completion_tokens":${u[1]},"total_tokens":${u[2]},` +
        `"prompt_tokens_details":{"cached_tokens":${u[3]},"audio_tokens":${u[4]}},` +
        `"completion_tokens_details":{"reasoning_tokens":${u[5]},"audio_tokens":${u[6]},` +
        `"accepted_prediction_tokens":${u[7]},"rejected_prediction_tokens":${u[8]}}}`;
    }
    return (
      `{"id":${c.id},"object":"chat.completion.chunk","created":${c.created},"model":${c.model},` +
      `${c.tier !== undefined ? `"service_tier":${c.tier},` : ''}"system_fingerprint":${c.fingerprint},` +
      `"choices":${choices}${usage}${c.obfuscation !== undefined ? `,"obfuscation":${c.obfuscation}` : ''}}`
    );
  };
  let read = 0;
  fc.assert(
    fc.property(chunk, (c) => {
      const t = render(c);
      if (readChatChunk(t) !== undefined) read++;
      return agrees(t);
    }),
    { numRuns: 5000 },
  );
  assert.ok(read > 500, `only ${read} of 5000 read`);
});

test('reads any JSON as JSON.parse does, or leaves it to JSON.parse (property)', () => {
  const key = fc.constantFrom(
    ...TOP,
    ...CHOICE,
    'choices',
    'object',
    'created',
    '__proto__',
    'logprobs',
    'a',
  );
  const choice = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  const chunk = fc.record(
    {
      id: fc.jsonValue({ maxDepth: 1 }),
      model: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
      choices: fc.oneof(
        fc.array(fc.oneof(choice, fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }),
        fc.jsonValue(),
      ),
      usage: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }))),
      other: fc.jsonValue({ maxDepth: 3 }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(chunk, fc.integer({ min: 0, max: 2 }), (c, spacing) =>
      agrees(JSON.stringify(c, null, spacing)),
    ),
    { numRuns: 2000 },
  );
  // Any text at all, and texts one edit away from a chunk (cut, a byte changed).
  fc.assert(
    fc.property(fc.string(), (s) => agrees(s)),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...recorded),
      fc.nat(),
      fc.nat(),
      fc.constantFrom('', '"', '\\', ',', '}', ']', ' ', 'x', '0', '\u0001'),
      (text, a, b, insert) => {
        const at = a % (text.length + 1);
        const to = Math.min(text.length, at + (b % 3));
        return agrees(text.slice(0, at) + insert + text.slice(to));
      },
    ),
    { numRuns: 5000 },
  );
});
