// The distro's context manager: AsyncLocalStorage's behaviour, except that the span processor's
// "suppress tracing" export, in a process that propagates nothing else, does not switch on
// AsyncLocalStorage (and with it, on Node 20 and 22, promise hooks for the whole app).
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { isTracingSuppressed, suppressTracing } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LazyAsyncLocalStorageContextManager } from '../src/context-manager.js';

afterEach(() => {
  context.disable();
  trace.disable();
});

function fresh(): LazyAsyncLocalStorageContextManager {
  const manager = new LazyAsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return manager;
}

const tick = () => new Promise((r) => setTimeout(r, 1));

test('an export wrapped in "suppress tracing" is suppressed while it runs, without turning on AsyncLocalStorage', async () => {
  const manager = fresh();
  const seen: boolean[] = [];
  const exporter: SpanExporter = {
    export(_spans: ReadableSpan[], done) {
      seen.push(isTracingSuppressed(context.active()));
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.getTracer('t').startSpan('one').end();
  await provider.forceFlush();
  assert.deepEqual(seen, [true]);
  assert.equal(manager.asyncPropagation, false);
  assert.equal(context.active(), ROOT_CONTEXT);
  await provider.shutdown();
});

test('a suppression-only context applies to the synchronous part; a later await is back at the root', async () => {
  const manager = fresh();
  let inside: boolean | undefined;
  let afterAwait: boolean | undefined;
  await context.with(suppressTracing(ROOT_CONTEXT), async () => {
    inside = isTracingSuppressed(context.active());
    await tick();
    afterAwait = isTracingSuppressed(context.active());
  });
  assert.equal(inside, true);
  assert.equal(afterAwait, false);
  assert.equal(manager.asyncPropagation, false);
});

test('any other context propagates across awaits, and from then on every context does', async () => {
  const manager = fresh();
  const bag = propagation.setBaggage(
    ROOT_CONTEXT,
    propagation.createBaggage({ feature: { value: 'search' } }),
  );
  const seen = await context.with(bag, async () => {
    await tick();
    return propagation.getBaggage(context.active())?.getEntry('feature')?.value;
  });
  assert.equal(seen, 'search');
  assert.equal(manager.asyncPropagation, true);
  const suppressedAfterAwait = await context.with(suppressTracing(ROOT_CONTEXT), async () => {
    await tick();
    return isTracingSuppressed(context.active());
  });
  assert.equal(suppressedAfterAwait, true);
});

test('nested: a propagated context inside a synchronous suppression wins inside, and the suppression is back after', () => {
  fresh();
  const bag = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ user: { value: 'u1' } }));
  context.with(suppressTracing(ROOT_CONTEXT), () => {
    context.with(bag, () => {
      assert.equal(propagation.getBaggage(context.active())?.getEntry('user')?.value, 'u1');
      assert.equal(isTracingSuppressed(context.active()), false);
    });
    assert.equal(isTracingSuppressed(context.active()), true);
  });
  assert.equal(context.active(), ROOT_CONTEXT);
});

test('a function thrown out of a synchronous suppression leaves the root context', () => {
  fresh();
  assert.throws(() =>
    context.with(suppressTracing(ROOT_CONTEXT), () => {
      throw new Error('boom');
    }),
  );
  assert.equal(context.active(), ROOT_CONTEXT);
});
