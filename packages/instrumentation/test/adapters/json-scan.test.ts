// The shallow parse of a request body: every member JSON.parse gives, except long arrays and
// strings (left out as placeholders), for any JSON object in any formatting; the whole body on demand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { recognizeRequest } from '../../src/adapters/index.js';
import {
  isPartial,
  OMITTED_ARRAY,
  OMITTED_STRING,
  parseShallow,
  skipValue,
  wholeBody,
} from '../../src/adapters/json-scan.js';

const member = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ minLength: 200, maxLength: 2000 }),
  fc.array(
    fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.string({ maxLength: 500 }) }),
    {
      maxLength: 20,
    },
  ),
);
const body = fc.dictionary(fc.string({ maxLength: 12 }), member, { maxKeys: 12 });

test('any object, any formatting: the members of JSON.parse, long arrays and strings left out', () => {
  fc.assert(
    fc.property(body, fc.constantFrom(undefined, 2, '\t'), fc.nat(3000), (value, indent, pad) => {
      // Padding pushes small bodies past the size that is parsed whole.
      const text = JSON.stringify({ ...value, zz_pad: 'x'.repeat(pad) }, null, indent);
      const full = JSON.parse(text) as Record<string, unknown>;
      const shallow = parseShallow(text)!;
      assert.deepEqual(Object.keys(shallow), Object.keys(full));
      for (const [key, v] of Object.entries(full)) {
        const got = shallow[key];
        // Left out by its length as written (compact here: the exact rule; indented: longer).
        const long = indent !== undefined || JSON.stringify(v).length > 256;
        if (got === OMITTED_ARRAY) assert.ok(Array.isArray(v) && long, key);
        else if (got === OMITTED_STRING && v !== '') assert.ok(typeof v === 'string' && long, key);
        else assert.deepEqual(got, v, key);
      }
      assert.deepEqual(wholeBody(shallow, text), full);
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

test('strings with escaped quotes and backslashes end where JSON says', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('"', '\\', 'a', '\n', 'é') }), (s) => {
      const text = JSON.stringify(s);
      assert.equal(skipValue(`${text},1`, 0), text.length);
    }),
  );
});

test('not an object, or broken: undefined', () => {
  const long = 'x'.repeat(3000);
  for (const text of [
    `[1, "${long}"]`,
    `"${long}"`,
    `{"a": "${long}"`,
    `{"a": "${long}"} trailing`,
    `{"a" "${long}"}`,
    `{"a": 1,, "b": "${long}"}`,
  ])
    assert.equal(parseShallow(text), undefined, text.slice(0, 20));
});

test('a __proto__ member is an own property, as with JSON.parse', () => {
  const text = `{"__proto__": {"polluted": true}, "model": "m", "messages": ["${'x'.repeat(3000)}"]}`;
  const shallow = parseShallow(text)!;
  assert.equal(Object.getPrototypeOf(shallow), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(shallow, '__proto__')?.value, { polluted: true });
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  assert.ok(isPartial(shallow));
});

test('a long prompt: the request is recognised from the shallow parse exactly as from the whole', () => {
  const text = JSON.stringify({
    messages: Array.from({ length: 50 }, (_, i) => ({
      role: 'user',
      content: `${'context '.repeat(200)}${i}`,
    })),
    model: 'gpt-4o',
    stream: true,
    stream_options: { include_usage: false },
    max_completion_tokens: 512,
    temperature: 0.3,
    top_p: 0.9,
    n: 2,
    service_tier: 'flex',
  });
  const url = new URL('https://api.openai.com/v1/chat/completions');
  const shallow = recognizeRequest({ url, method: 'POST', body: parseShallow(text) });
  const whole = recognizeRequest({ url, method: 'POST', body: JSON.parse(text) });
  assert.deepEqual(shallow, whole);
  assert.equal(shallow?.requestModel, 'gpt-4o');
});
