// The profile diff compares functions across two processes: a function must get the same key in both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { functionKey } from './cpuprofile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
  scriptId: '0',
});

test('a native accessor gets one key whatever property name V8 gave it in each process', () => {
  assert.equal(functionKey(frame('set filename')), functionKey(frame('set locks')));
  assert.equal(functionKey(frame('get resolve')), functionKey(frame('get toTemporalInstant')));
  assert.notEqual(functionKey(frame('set x')), functionKey(frame('get x')));
});

test('script functions keep their name and place, other natives their name', () => {
  assert.notEqual(
    functionKey(frame('set name', 'file:///app/node_modules/undici/index.js', 10)),
    functionKey(frame('set other', 'file:///app/node_modules/undici/index.js', 10)),
  );
  assert.equal(functionKey(frame('JSON.parse')), 'JSON.parse');
  assert.equal(functionKey(frame('')), '(anonymous)');
});
