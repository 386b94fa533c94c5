// The parsing rules every component shares (src/parsers.ts), one value type at a time.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  type EnvType,
  flag,
  hostPatterns,
  httpUrl,
  INVALID,
  keyValues,
  listOf,
  oneOf,
  otelBoolean,
  type ParseContext,
  pathOrOff,
  providerList,
  ratio,
  redisUrl,
  wholeNumber,
} from '../src/index.js';

/** Parses `raw` as the reader would, returning the value (or INVALID) and what was reported. */
function parse<T>(type: EnvType<T>, raw: string): { value: T | typeof INVALID; reports: string[] } {
  const reports: string[] = [];
  const ctx: ParseContext = {
    name: 'X',
    invalid(expected) {
      reports.push(`invalid: ${expected ?? 'no usable value'}`);
      return INVALID;
    },
    ignored(text) {
      reports.push(`ignored: ${text}`);
    },
  };
  return { value: type.parse(raw, ctx), reports };
}

describe('OTel booleans follow the spec: only "true" (any case) is true', () => {
  for (const [raw, want] of [
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['false', false],
    ['FALSE', false],
  ] as const) {
    it(`${raw} → ${want}`, () => assert.deepEqual(parse(otelBoolean, raw), { value: want, reports: [] }));
  }
  for (const raw of ['1', 'yes', 'on', '0', 'no', 'off', 'enabled']) {
    it(`${raw} is reported, never silently true`, () =>
      assert.deepEqual(parse(otelBoolean, raw), { value: INVALID, reports: ['invalid: true or false'] }));
  }
});

describe("tokenmeter's booleans: true/false, 1/0, yes/no, on/off; another word is reported", () => {
  for (const raw of ['true', '1', 'YES', 'On'])
    it(`${raw} → true`, () => assert.equal(parse(flag, raw).value, true));
  for (const raw of ['false', '0', 'No', 'OFF'])
    it(`${raw} → false`, () => assert.equal(parse(flag, raw).value, false));
  for (const raw of ['2', 'enabled', 'y', 'truee']) {
    it(`${raw} is reported`, () => {
      const r = parse(flag, raw);
      assert.equal(r.value, INVALID);
      assert.match(r.reports[0]!, /^invalid: true or false/);
    });
  }
});

describe('enum words are case-insensitive; a known but unsupported word says why', () => {
  const protocol = oneOf(['http/protobuf', 'http/json'], { unsupported: { grpc: 'HTTP only' } });
  it('any case, returned in lower case', () => assert.equal(parse(protocol, 'HTTP/JSON').value, 'http/json'));
  it('grpc gets its reason', () =>
    assert.deepEqual(parse(protocol, 'gRPC').reports, [
      'invalid: one of http/protobuf, http/json (grpc: HTTP only)',
    ]));
  it('another word lists the allowed ones', () =>
    assert.deepEqual(parse(protocol, 'tcp').reports, ['invalid: one of http/protobuf, http/json']));
});

describe('lists: comma-separated, trimmed, any case, duplicates dropped, none alone is empty', () => {
  const exporters = listOf(['otlp', 'console'], { unsupported: { zipkin: 'not shipped' } });
  it('items trimmed, lower-cased, deduplicated, empty items skipped', () =>
    assert.deepEqual(parse(exporters, ' OTLP , console,,otlp'), { value: ['otlp', 'console'], reports: [] }));
  it('none alone is the empty list', () =>
    assert.deepEqual(parse(exporters, 'None'), { value: [], reports: [] }));
  it('a bad item is reported and skipped, with its reason when known', () =>
    assert.deepEqual(parse(exporters, 'otlp,zipkin,x'), {
      value: ['otlp'],
      reports: [
        'ignored: "zipkin" is not one of otlp, console, none (not shipped)',
        'ignored: "x" is not one of otlp, console, none',
      ],
    }));
  it('none with other values is reported; a list with no usable item is unusable as a whole', () =>
    assert.deepEqual(parse(exporters, 'none,x'), {
      value: INVALID,
      reports: [
        'ignored: "none" cannot be combined with other values',
        'ignored: "x" is not one of otlp, console, none',
        'invalid: no usable value',
      ],
    }));
});

describe('whole numbers: digits only, within the range', () => {
  const port = wholeNumber(0, 65535, 'port number');
  it('digits (and a leading +)', () => {
    assert.equal(parse(port, '9464').value, 9464);
    assert.equal(parse(port, '+80').value, 80);
    assert.equal(parse(port, '0').value, 0);
  });
  for (const raw of ['10s', '1e3', '2.5', '-1', '65536', '0x10', '99999999999999999999']) {
    it(`${raw} is reported`, () =>
      assert.deepEqual(parse(port, raw).reports, ['invalid: a whole port number in 0..65535']));
  }
  it('an open range says >= min', () =>
    assert.deepEqual(parse(wholeNumber(1), '0').reports, ['invalid: a whole number >= 1']));
});

describe('a ratio is a decimal number in 0..1', () => {
  for (const [raw, want] of [
    ['0', 0],
    ['1', 1],
    ['0.25', 0.25],
    ['.5', 0.5],
  ] as const)
    it(`${raw} → ${want}`, () => assert.equal(parse(ratio, raw).value, want));
  for (const raw of ['1.5', '-0.1', 'half', '1e-1', 'NaN', 'Infinity'])
    it(`${raw} is reported`, () => assert.equal(parse(ratio, raw).value, INVALID));
});

describe('URLs need http(s) and a host', () => {
  it('http and https are taken as written', () => {
    assert.equal(parse(httpUrl, 'https://collector.example:4318/').value, 'https://collector.example:4318/');
  });
  for (const raw of ['localhost:4318', 'ftp://x', 'http://', '/v1/traces'])
    it(`${raw} is reported`, () => assert.equal(parse(httpUrl, raw).value, INVALID));
});

describe('Redis URLs (TOKENMETER_BUDGET_REDIS) need redis(s) and a host', () => {
  for (const raw of ['redis://127.0.0.1:6379', 'rediss://user:secret@cache.internal:6380/2'])
    it(`${raw} is taken as written`, () => assert.equal(parse(redisUrl, raw).value, raw));
  for (const raw of ['127.0.0.1:6379', 'http://cache:6379', 'redis://', 'redis:6379'])
    it(`${raw} is reported`, () => assert.equal(parse(redisUrl, raw).value, INVALID));
});

describe('key=value lists (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS)', () => {
  it('percent-encoded values are decoded; a part without a key is reported', () =>
    assert.deepEqual(parse(keyValues, 'a=1, team=pay%20ments ,=x,novalue,b=c%3Dd'), {
      value: { a: '1', team: 'pay ments', b: 'c=d' },
      reports: ['ignored: "=x" is not key=value', 'ignored: "novalue" is not key=value'],
    }));
  it('bad percent-encoding is reported, the rest kept', () =>
    assert.deepEqual(parse(keyValues, 'a=%E0%A4%A,b=2'), {
      value: { b: '2' },
      reports: ['ignored: the value of "a" is not valid percent-encoding'],
    }));
});

describe('TOKENMETER_PROVIDERS entries', () => {
  it('the provider name is lower-cased and trailing slashes of the URL dropped', () =>
    assert.deepEqual(parse(providerList, 'VLLM=http://localhost:8000/v1//, Ollama=http://gpu:11434/').value, [
      { provider: 'vllm', baseUrl: 'http://localhost:8000/v1' },
      { provider: 'ollama', baseUrl: 'http://gpu:11434' },
    ]));
  it('a bad entry is reported and skipped', () =>
    assert.deepEqual(parse(providerList, 'vllm=localhost:8000,=http://x,my model=http://y,ok=http://z/v1'), {
      value: [{ provider: 'ok', baseUrl: 'http://z/v1' }],
      reports: [
        'ignored: "localhost:8000" (for vllm) is not an http:// or https:// URL',
        'ignored: "=http://x" is not name=url (e.g. vllm=http://localhost:8000/v1)',
        'ignored: "my model=http://y" is not name=url (e.g. vllm=http://localhost:8000/v1)',
      ],
    }));
});

describe('paths', () => {
  it('off and its synonyms mean no file, in any case', () => {
    for (const raw of ['off', 'OFF', 'none', 'false', '0', 'no'])
      assert.equal(parse(pathOrOff, raw).value, null);
  });
  it('~ expands to the home directory; a relative path resolves against the working directory', () => {
    assert.equal(parse(pathOrOff, '~/x/calls.db').value, path.join(os.homedir(), 'x', 'calls.db'));
    assert.equal(parse(pathOrOff, 'data/calls.db').value, path.resolve('data/calls.db'));
  });
});

describe('host patterns (TOKENMETER_PROPAGATION_HOSTS): hosts, *.domain, IPs, *; a URL or a port is reported', () => {
  it('keeps hosts lower case, IPv6 without brackets, drops duplicates', () => {
    assert.deepEqual(
      parse(hostPatterns, 'API.MyCorp.com, *.partner.net,[fd00::1],203.0.113.5,*,api.mycorp.com'),
      {
        value: ['api.mycorp.com', '*.partner.net', 'fd00::1', '203.0.113.5', '*'],
        reports: [],
      },
    );
  });
  it('reports each item that is not a host and keeps the rest', () => {
    const { value, reports } = parse(
      hostPatterns,
      'https://api.mycorp.com,orders:8080,*.,a..b,cafe:80,orders',
    );
    assert.deepEqual(value, ['orders']);
    assert.equal(reports.length, 5);
    assert.match(
      reports[0]!,
      /^ignored: "https:\/\/api.mycorp.com" is not a host name, \*\.domain, IP address or \* \(no scheme, no port\)$/,
    );
  });
});
