// The per-body state of the stream tap is kept on the platform's own objects (a Response, its body
// stream, the reader) in private fields: it must be invisible to the app and keep slots apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodySlot, ReaderSlot, ResponseSlot, StreamSlot } from '../src/fetch/hidden-slot.js';

test('a value kept on a Response shows no key, symbol or descriptor, and its prototype and getters stay', () => {
  const response = new Response('x');
  const proto = Object.getPrototypeOf(response);
  const keys = Reflect.ownKeys(response);
  ResponseSlot.set(response, { n: 1 });
  assert.deepEqual(Reflect.ownKeys(response), keys);
  assert.deepEqual(Reflect.ownKeys(response), Reflect.ownKeys(new Response('x')));
  assert.equal(Object.getPrototypeOf(response), proto);
  assert.equal(JSON.stringify(response), JSON.stringify(new Response('x')));
  assert.equal(response.status, 200);
  assert.deepEqual(ResponseSlot.get(response), { n: 1 });
});

test('slots are apart, a value can be replaced, and anything without one (or not an object) reads undefined', () => {
  const stream = new ReadableStream();
  StreamSlot.set(stream, 'first');
  assert.equal(StreamSlot.get(stream), 'first');
  assert.equal(ReaderSlot.get(stream), undefined);
  assert.equal(ResponseSlot.get(stream), undefined);
  StreamSlot.set(stream, 'second');
  assert.equal(StreamSlot.get(stream), 'second');
  ReaderSlot.set(stream, 'other');
  assert.equal(StreamSlot.get(stream), 'second');
  assert.equal(ReaderSlot.get(stream), 'other');
  const response = new Response('x');
  BodySlot.set(response, 'observed');
  ResponseSlot.set(response, 'tapped');
  assert.equal(BodySlot.get(response), 'observed');
  assert.equal(ResponseSlot.get(response), 'tapped');
  assert.deepEqual(Reflect.ownKeys(response), Reflect.ownKeys(new Response('x')));
  for (const none of [new ReadableStream(), {}, null, undefined, 1, 'text', Symbol('s')]) {
    assert.equal(StreamSlot.get(none), undefined);
    assert.equal(ReaderSlot.get(none), undefined);
    assert.equal(ResponseSlot.get(none), undefined);
    assert.equal(BodySlot.get(none), undefined);
  }
});
