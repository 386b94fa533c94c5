// The one loopback rule of `tokenmeter serve` and the gateway (src/hosts.ts): a server with no token
// binds and answers only where nothing off this machine can reach it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackHost } from '@tokenmeter/config';

describe('isLoopbackHost', () => {
  it('takes localhost and all of 127.0.0.0/8, in any case', () => {
    for (const h of ['localhost', 'LocalHost', '127.0.0.1', '127.1.2.3', '127.255.255.255'])
      assert.equal(isLoopbackHost(h), true, h);
  });

  it('takes ::1 in its long, zero-padded, partly compressed and bracketed spellings', () => {
    for (const h of [
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '[0:0:0:0:0:0:0:1]',
      '0000:0000:0000:0000:0000:0000:0000:0001',
      '::0:1',
      '0::1',
      '0:0::0:1',
      '::0001',
    ])
      assert.equal(isLoopbackHost(h), true, h);
  });

  it('refuses every other address, including ones that only start or end like loopback', () => {
    for (const h of [
      '0.0.0.0',
      '::',
      '[::]',
      '::2',
      '::1:1',
      '1::1',
      '::11',
      'fe80::1',
      '::ffff:10.0.0.1',
      '10.0.0.1',
      '128.0.0.1',
      '127.0.0',
      '127.0.0.1.evil.com',
      'localhost.evil.com',
      'evil.localhost.com',
      '[::1',
      '',
    ])
      assert.equal(isLoopbackHost(h), false, h);
  });
});
