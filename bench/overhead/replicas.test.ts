// The headline's split of a process's blocks into warm-up and recorded rounds, and how each block is
// charged: known inputs, known answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atWarmup, type Block, type ConfigResult, perCall, type Series, windowText } from './replicas.js';

const block = (cpu: number, cpuEnd: number, wallUs: number): Block => ({ cpu, cpuEnd, wallUs });

describe('perCall', () => {
  // Four blocks of 10 calls: CPU at each start 0, 100, 300, 600; the mark after the last at 1,000.
  const blocks = [block(0, 90, 50), block(100, 280, 60), block(300, 580, 70), block(600, 990, 80)];

  it('charges each block until the next one starts, the last until the mark, across the warm-up boundary', () => {
    const { warmup, recorded } = perCall(blocks, 1000, 10, 2);
    assert.deepEqual(warmup.cpu, [10, 20]);
    assert.deepEqual(recorded.cpu, [30, 40]);
    assert.deepEqual(warmup.wall, [5, 6]);
    assert.deepEqual(recorded.wall, [7, 8]);
    assert.deepEqual(warmup.inBlock, [9, 18]);
    assert.deepEqual(recorded.inBlock, [28, 39]);
  });

  it('records every block when there is no warm-up', () => {
    const { warmup, recorded } = perCall(blocks, 1000, 10, 0);
    assert.deepEqual(warmup.cpu, []);
    assert.deepEqual(recorded.cpu, [10, 20, 30, 40]);
  });
});

describe('atWarmup', () => {
  const series = (x: number): Series => ({ cpu: [[x]], wall: [[x]], inBlock: [[x]] });
  const base: ConfigResult = {
    node: 'v20',
    openai: 7,
    mode: 'calls',
    variants: [],
    series: new Map([['bare', series(1)]]),
    exported: new Map(),
  };

  it('gives the warm-up rounds as the series, so every estimate reads them', () => {
    const w = atWarmup({ ...base, warmup: new Map([['bare', series(2)]]) });
    assert.equal(w?.series.get('bare')?.cpu[0]?.[0], 2);
    assert.equal(w?.warmup, undefined);
  });

  it('gives nothing without warm-up rounds', () => {
    assert.equal(atWarmup(base), undefined);
  });
});

describe('windowText', () => {
  const s = {
    replicas: 4,
    rounds: 8,
    warmupRounds: { calls: 16, streams: 5 },
    calls: 256,
    streams: 48,
    modes: ['calls', 'streams'] as ('calls' | 'streams')[],
  };

  it('numbers the calls each part of a process covers', () => {
    assert.deepEqual(windowText(s, 'calls'), {
      warmup: 'the first 4,096 calls',
      recorded: 'calls 4,097–6,144',
    });
  });

  it('says when the streams follow the calls in the same processes', () => {
    assert.deepEqual(windowText(s, 'streams'), {
      warmup: 'the first 240 streams, after the calls',
      recorded: 'streams 241–624, after the calls',
    });
    assert.equal(windowText({ ...s, modes: ['streams'] }, 'streams').warmup, 'the first 240 streams');
    assert.equal(
      windowText({ ...s, warmupRounds: { calls: 0, streams: 0 } }, 'calls').warmup,
      'no warm-up rounds',
    );
  });
});
