import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMatch, compileMatch } from '../src/match.js';
import { compileUserRegex } from '../src/user-regex.js';

describe('match rules', () => {
  it('equals is exact; starts_with, contains, ends_with and regex are patterns; all on lower-cased names', () => {
    assert.equal(compileMatch({ equals: 'GPT-4o' })('gpt-4o'), 1);
    assert.equal(compileMatch({ starts_with: 'gpt-4o' })('gpt-4o-mini'), 2);
    assert.equal(compileMatch({ contains: 'sonnet' })('claude-3-5-sonnet'), 2);
    assert.equal(compileMatch({ ends_with: 'flash' })('gemini-2.0-flash'), 2);
    assert.equal(compileMatch({ regex: '^o\\d' })('o3'), 2);
    assert.equal(compileMatch({ regex: 'LLAMA' }, compileUserRegex)('llama'), 2);
    assert.equal(compileMatch({ equals: 'x' })('y'), 0);
  });

  it('or prefers an exact alternative; and needs every part', () => {
    const or = compileMatch({ or: [{ starts_with: 'gpt-4o' }, { equals: 'gpt-4o-2024-08-06' }] });
    assert.equal(or('gpt-4o-2024-08-06'), 1);
    assert.equal(or('gpt-4o-mini'), 2);
    const and = compileMatch({ and: [{ starts_with: 'gemini-2.5-pro' }, { regex: '^(?!.*-tts)' }] });
    assert.equal(and('gemini-2.5-pro'), 2);
    assert.equal(and('gemini-2.5-pro-preview-tts'), 0);
  });

  it('checkMatch reports bad rules with their path', () => {
    assert.deepEqual(checkMatch({ equals: 'a' }, 'm'), []);
    assert.deepEqual(
      checkMatch({ regex: '(' }, 'm').map(([p]) => p),
      ['m.regex'],
    );
    assert.deepEqual(
      checkMatch({ or: [{ equals: 'a' }, { nope: 1 }] }, 'm').map(([p]) => p),
      ['m.or[1]'],
    );
    assert.deepEqual(
      checkMatch({ equals: 'a', contains: 'b' }, 'm').map(([p]) => p),
      ['m'],
    );
    assert.deepEqual(
      checkMatch('gpt', 'm').map(([p]) => p),
      ['m'],
    );
    assert.deepEqual(
      checkMatch({ starts_with: '' }, 'm').map(([p]) => p),
      ['m.starts_with'],
    );
  });
});
