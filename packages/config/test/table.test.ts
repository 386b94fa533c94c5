// Promises of the table itself, so a new row cannot break them unnoticed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ENV_VARS,
  type EnvName,
  type EnvVarSpec,
  flag,
  INVALID,
  otelBoolean,
  type ParseContext,
} from '../src/index.js';

const rows = Object.entries(ENV_VARS) as [EnvName, EnvVarSpec<unknown, unknown>][];
const strict: ParseContext = {
  name: 'X',
  invalid: (e) => assert.fail(`invalid: ${e}`),
  ignored: (t) => assert.fail(`ignored: ${t}`),
};

describe('the environment table', () => {
  it('an OTel variable starts with OTEL_, a tokenmeter one with TOKENMETER_', () => {
    for (const [name, spec] of rows)
      assert.ok(
        name.startsWith(spec.source === 'otel' ? 'OTEL_' : 'TOKENMETER_'),
        `${name} (${spec.source})`,
      );
  });

  it('booleans follow the rule of their source: OTel spec for OTEL_*, the friendlier flag for TOKENMETER_*', () => {
    for (const [name, spec] of rows) {
      if (spec.type === otelBoolean) assert.equal(spec.source, 'otel', name);
      if (spec.type === flag) assert.equal(spec.source, 'tokenmeter', name);
      if (spec.type.allowed?.includes('true'))
        assert.ok(spec.type === otelBoolean || spec.type === flag, name);
    }
  });

  it('every default reads back as itself when written as a value (the docs show what parses)', () => {
    for (const [name, spec] of rows) {
      if (spec.default === undefined) continue;
      const written = spec.type.format(spec.default);
      if (written === '') continue; // an empty list or map: the same as unset
      const back = spec.type.parse(written, strict);
      assert.notEqual(back, INVALID, name);
      assert.deepEqual(back, spec.default, name);
    }
  });

  it('every row is read by someone, documented on one line, and points only at rows that exist', () => {
    for (const [name, spec] of rows) {
      assert.ok(spec.readBy.length > 0, name);
      assert.ok(spec.doc.length > 0 && !spec.doc.includes('\n'), name);
      if (spec.fallsBackTo)
        assert.ok(spec.fallsBackTo in ENV_VARS, `${name} falls back to ${spec.fallsBackTo}`);
      if (spec.onlyWith) assert.ok(spec.onlyWith.name in ENV_VARS, `${name} only with ${spec.onlyWith.name}`);
      if (spec.default === undefined && !spec.fallsBackTo && !spec.internal)
        assert.ok(spec.defaultDoc !== undefined, `${name}: say what unset means (defaultDoc)`);
    }
  });
});
