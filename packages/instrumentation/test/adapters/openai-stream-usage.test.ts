// Injected stream_options.include_usage: when to inject, and undoing it byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createStreamParser,
  InjectedUsageStreamRewriter,
  planStreamUsageInjection,
  rewriteSseEventBytes,
  stripInjectedUsage,
} from '../../src/adapters/index.js';
import { UsageMemberScanner, usageEdit } from '../../src/adapters/openai-usage-edit.js';
import { fixtureBytes, info, splitAt } from './helpers.js';

const streamBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true };
const openai = info('https://api.openai.com/v1/chat/completions', streamBody);

describe('planStreamUsageInjection', () => {
  it('adds include_usage to a streaming OpenAI chat request, leaving the rest of the text as it was', () => {
    const text = JSON.stringify(streamBody);
    const plan = planStreamUsageInjection(openai, text);
    assert.ok(plan);
    assert.equal(plan.body, `${text.slice(0, -1)},"stream_options":{"include_usage":true}}`);
    assert.deepEqual(JSON.parse(plan.body), { ...streamBody, stream_options: { include_usage: true } });
    // From the parsed object as well.
    assert.deepEqual(JSON.parse(planStreamUsageInjection(openai, streamBody)!.body).stream_options, {
      include_usage: true,
    });
    // Other stream_options of the caller are kept.
    const withOther = { ...streamBody, stream_options: { include_obfuscation: false } };
    assert.deepEqual(JSON.parse(planStreamUsageInjection(openai, withOther)!.body).stream_options, {
      include_obfuscation: false,
      include_usage: true,
    });
  });

  it('respects the caller: include_usage true needs nothing, include_usage false is not overridden', () => {
    assert.equal(
      planStreamUsageInjection(openai, { ...streamBody, stream_options: { include_usage: true } }),
      null,
    );
    assert.equal(
      planStreamUsageInjection(openai, { ...streamBody, stream_options: { include_usage: false } }),
      null,
    );
  });

  it('does nothing for non-streaming calls, other formats, or another mode', () => {
    const nonStream = info('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o' });
    assert.equal(planStreamUsageInjection(nonStream, { model: 'gpt-4o' }), null);
    const responses = info('https://api.openai.com/v1/responses', { model: 'gpt-4o', stream: true });
    assert.equal(planStreamUsageInjection(responses, { model: 'gpt-4o', stream: true }), null);
    assert.equal(planStreamUsageInjection(openai, streamBody, 'estimate'), null);
    assert.equal(planStreamUsageInjection(openai, streamBody, 'off'), null);
    assert.equal(planStreamUsageInjection(openai, 'not json'), null);
  });

  it('injects only for servers known to accept the field', () => {
    const yes = [
      'https://api.groq.com/openai/v1/chat/completions',
      'https://api.deepseek.com/chat/completions',
      'https://api.x.ai/v1/chat/completions',
      'https://api.openai.com/v1/completions',
      'http://localhost:11434/v1/chat/completions',
      'https://gateway.ai.cloudflare.com/v1/acct/gw/openai/chat/completions',
      'https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21',
      'https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2025-04-01-preview',
      'https://res.openai.azure.com/openai/v1/chat/completions',
    ];
    const no = [
      'https://api.mistral.ai/v1/chat/completions',
      'https://api.together.xyz/v1/chat/completions',
      'https://api.fireworks.ai/inference/v1/chat/completions',
      'http://127.0.0.1:8080/v1/chat/completions',
      // OpenRouter sends usage in every stream unasked: adding the option and cutting its traces
      // would take from the app a usage event it gets without tokenmeter.
      'https://openrouter.ai/api/v1/chat/completions',
      // Gateways that route by model to any provider: the upstream may reject the field.
      'https://api.portkey.ai/v1/chat/completions',
      'https://ai-gateway.vercel.sh/v1/chat/completions',
      'https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01',
      'https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-08-01-preview',
    ];
    for (const url of yes) assert.ok(planStreamUsageInjection(info(url, streamBody), streamBody), url);
    for (const url of no)
      assert.equal(planStreamUsageInjection(info(url, streamBody), streamBody), null, url);
    // A configured vllm endpoint accepts it; a configured unknown name does not.
    const vllm = info('http://localhost:8000/v1/chat/completions', streamBody, {
      providers: [{ baseUrl: 'http://localhost:8000/v1', provider: 'vllm' }],
    });
    assert.ok(planStreamUsageInjection(vllm, streamBody));
  });
});

describe('stripInjectedUsage', () => {
  it('removes "usage":null wherever it is, with any whitespace, and nothing else', () => {
    assert.equal(stripInjectedUsage('{"id":"a","choices":[],"usage":null}'), '{"id":"a","choices":[]}');
    assert.equal(stripInjectedUsage('{"usage":null,"id":"a"}'), '{"id":"a"}');
    assert.equal(stripInjectedUsage('{"id":"a","usage":null,"x":1}'), '{"id":"a","x":1}');
    assert.equal(stripInjectedUsage('{ "id": "a" , "usage" : null }'), '{ "id": "a" }');
    assert.equal(stripInjectedUsage('{"usage": null}'), '{}');
  });

  it('leaves nested or quoted "usage" alone', () => {
    const nested = '{"id":"a","choices":[{"delta":{"usage":null}}]}';
    assert.equal(stripInjectedUsage(nested), nested);
    const quoted = '{"id":"a","choices":[{"delta":{"content":"\\"usage\\":null"}}]}';
    assert.equal(stripInjectedUsage(quoted), quoted);
    for (const other of [
      '[DONE]',
      'not json',
      '{"id":"a"}',
      '{"id":"a","usage":3}',
      '{"choices":[],"usage":{"prompt_tokens":1},"error":{"message":"x"}}',
    ]) {
      assert.equal(stripInjectedUsage(other), other);
    }
  });

  it('cuts a usage object a server attaches to a chunk with choices (its last content chunk)', () => {
    assert.equal(
      stripInjectedUsage('{"choices":[{"index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}'),
      '{"choices":[{"index":0,"finish_reason":"stop"}]}',
    );
    assert.equal(
      stripInjectedUsage('{"usage":{"prompt_tokens":1},"choices":[{"index":0}]}'),
      '{"choices":[{"index":0}]}',
    );
  });

  it('drops the usage-only chunk', () => {
    assert.equal(
      stripInjectedUsage('{"id":"a","choices":[],"usage":{"prompt_tokens":22,"completion_tokens":4}}'),
      null,
    );
    assert.equal(stripInjectedUsage('{"id":"a","choices": [ ],"usage":{"prompt_tokens":22}}'), null);
    // An odd server's usage chunk without a choices member at all.
    assert.equal(stripInjectedUsage('{"id":"a","usage":{"prompt_tokens":22}}'), null);
  });
});

describe('InjectedUsageStreamRewriter on a real include_usage stream', () => {
  const withUsage = fixtureBytes('openai/chat-stream-include-usage.sse');
  const expected = Buffer.from(fixtureBytes('openai/chat-stream-include-usage.expected-without-usage.sse'));

  function rewrite(chunks: Uint8Array[]) {
    const parser = createStreamParser(openai);
    let terminal = false;
    const rewriter = new InjectedUsageStreamRewriter((data, event) => {
      if (parser.onEvent(data, event)) terminal = true;
    });
    const out: Uint8Array[] = [];
    for (const c of chunks) out.push(...rewriter.push(c));
    out.push(...rewriter.end());
    return { bytes: Buffer.concat(out), parser, terminal };
  }

  it('gives the caller exactly the bytes of the same stream without include_usage, and the parser the usage', () => {
    const { bytes, parser, terminal } = rewrite([withUsage]);
    assert.equal(bytes.toString(), expected.toString());
    assert.deepEqual(parser.result().usage, {
      inputTokens: 22,
      outputTokens: 4,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
    assert.equal(terminal, true);
  });

  it('rewritten chunks have the shape of a real stream recorded without include_usage', () => {
    const keys = (text: string) =>
      text
        .split('\n\n')
        .filter((b) => b.startsWith('data: {'))
        .map((b) => Object.keys(JSON.parse(b.slice(6))).join(','));
    const real = keys(Buffer.from(fixtureBytes('openai/chat-stream-no-usage.sse')).toString());
    const ours = keys(rewrite([withUsage]).bytes.toString());
    assert.ok(ours.length > 0);
    for (const k of ours) assert.equal(k, real[0]);
  });

  it('is byte-exact whatever the chunk boundaries (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: withUsage.length - 1 }), { maxLength: 60 }), (cuts) => {
        const { bytes, parser } = rewrite(splitAt(withUsage, cuts));
        assert.equal(Buffer.compare(bytes, expected), 0);
        assert.equal(parser.result().usage?.inputTokens, 22);
      }),
      { numRuns: 200 },
    );
  });

  it('passes through a stream that has no usage traces unchanged', () => {
    const plain = fixtureBytes('openai/chat-stream-no-usage.sse');
    assert.equal(Buffer.compare(rewrite(splitAt(plain, [7, 300, 301])).bytes, Buffer.from(plain)), 0);
  });

  it('keeps CRLF framing, event lines and comments of a rewritten event', () => {
    const data = '{"id":"a","choices":[{"index":0}],"usage":null}';
    const raw = new TextEncoder().encode(`: keep-alive\r\nevent: chunk\r\ndata:${data}\r\n\r\n`);
    assert.equal(
      Buffer.from(rewriteSseEventBytes(raw, data)!).toString(),
      ': keep-alive\r\nevent: chunk\r\ndata:{"id":"a","choices":[{"index":0}]}\r\n\r\n',
    );
    assert.equal(rewriteSseEventBytes(raw, '{"id":"a"}'), raw);
    assert.equal(rewriteSseEventBytes(raw, '{"choices":[],"usage":{"prompt_tokens":1}}'), null);
  });
});

describe('UsageMemberScanner: the same edit as usageEdit, found byte by byte', () => {
  const key = fc.constantFrom('usage', 'usage', 'choices', 'choices', 'error', 'id', 'us"age', 'x\\"y');
  const scalar = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.string({ maxLength: 6 }));
  const value = fc.oneof(
    scalar,
    fc.constant([]),
    fc.array(fc.dictionary(fc.constantFrom('index', 'delta', 'usage'), scalar), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('prompt_tokens', 'a'), scalar),
  );
  /** A chunk's data: an object over keys that matter, with whitespace anywhere JSON allows it. */
  const data = fc
    .tuple(
      fc.dictionary(key, value, { maxKeys: 5 }),
      fc.array(fc.constantFrom('', ' ', '\t'), { minLength: 60, maxLength: 60 }),
    )
    .map(([o, ws]) => {
      let i = 0;
      return JSON.stringify(o).replace(
        /([{}[\],:])/g,
        (m) => `${ws[i++ % ws.length]}${m}${ws[i++ % ws.length]}`,
      );
    });

  it('any chunking of any object (property): end() is usageEdit(data); what it releases is never cut', () => {
    fc.assert(
      fc.property(data, fc.array(fc.nat(200), { maxLength: 8 }), (text, cuts) => {
        const bytes = new TextEncoder().encode(text);
        const scanner = new UsageMemberScanner();
        let released = -1;
        for (const piece of splitAt(bytes, cuts)) {
          scanner.feed(piece, 0, piece.length);
          const r = scanner.releasable();
          assert.ok(r >= released, 'never takes back what it released');
          released = r;
        }
        const edit = scanner.end();
        assert.deepEqual(edit, usageEdit(text));
        if (edit === null) assert.equal(released, -1, 'a dropped chunk releases nothing');
        if (edit) assert.ok(released <= edit.start, `released ${released}, cut at ${edit.start}`);
      }),
      { numRuns: 2000 },
    );
  });
});
