// An in-process A/B diagnostic (not a headline figure, no assertions): the preload's store writer
// (packages/store createBatchWriter) of this tree against that of a git ref (default `main`), in
// alternating blocks in one process, each side writing its own fresh store file. A block queues
// the CallRecords of calls shaped like the preload's (a priced openai chat completion to a loopback
// server: unique response, trace and span ids, the same model and labels) through `write()` and
// writes them with `flush()`, in batches of BATCH records as the writer's 250 ms timer does at
// ~1,000 calls/s. Both sides get the same records; at the end their `calls` rows and rollups are
// compared (they must be identical). Reports CPU µs per record of each side (median [p25 … p75]
// over the blocks) and the difference after − before per alternation.
// Run: npx tsx bench/store-writer-ab.ts [git-ref] [alternations] [records per batch] [batches per block]
// STORE_AB_AFTER_BATCH=N: the after side writes the same records in batches of N instead (what a
// longer flush interval does at the same call rate); give the ref `HEAD` to compare batch sizes alone.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BatchWriter, CallInput } from '../packages/store/src/types.js';
import { STORE, withSourceAt } from './lib/ab.js';
import { alternate, printAlternation } from './lib/alternate.js';
import { storedChatRecord } from './lib/priced-call.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const BATCH = Number(process.argv[4] ?? 250);
const BATCHES = Number(process.argv[5] ?? 4);
const AFTER_BATCH = Number(process.env.STORE_AB_AFTER_BATCH ?? BATCH);

type Src = {
  writer: typeof import('../packages/store/src/batch-writer.js');
  open: typeof import('../packages/store/src/open.js');
};

async function load(dir: string): Promise<Src> {
  return {
    writer: await import(join(dir, 'src/batch-writer.ts')),
    open: await import(join(dir, 'src/open.ts')),
  };
}

let seq = 0;
/** The record of one priced openai chat completion as the preload hands it to the writer. */
function record(): CallInput {
  return storedChatRecord(seq++);
}

await withSourceAt(ref, 'store-writer-ab', async (dir) => run(await load(dir), await load(STORE)), STORE);

async function run(before: Src, after: Src): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'store-writer-ab-'));
  try {
    const sides = {
      before: { src: before, path: join(tmp, 'before.db') },
      after: { src: after, path: join(tmp, 'after.db') },
    };
    const writers = {} as Record<keyof typeof sides, BatchWriter>;
    for (const [name, s] of Object.entries(sides) as [keyof typeof sides, (typeof sides)['before']][])
      writers[name] = s.src.writer.createBatchWriter({
        path: s.path,
        flushIntervalMs: 3_600_000,
        batchSize: Math.max(BATCH, AFTER_BATCH),
        maxQueue: Math.max(BATCH, AFTER_BATCH) * 2,
        onError: (e) => {
          throw e;
        },
      });
    const block = (w: BatchWriter, records: CallInput[], batch: number) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < records.length; i += batch) {
        for (let j = i; j < Math.min(records.length, i + batch); j++) w.write(records[j]!);
        w.flush();
      }
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / records.length;
    };
    // Both sides of a round write the same records.
    const per = alternate(['before', 'after'], ALTERNATIONS, 3, () => {
      const records = Array.from({ length: BATCHES * BATCH }, record);
      return (name) => block(writers[name], records, name === 'after' ? AFTER_BATCH : BATCH);
    });
    for (const w of Object.values(writers)) w.close();

    // Both stores must hold the same rows and rollups.
    const dump = (path: string) => {
      const db = after.open.openDatabase(path, { readonly: true });
      try {
        const tables = (
          db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rollup_%'")
            .all() as {
            name: string;
          }[]
        ).map((t) => t.name);
        const out: Record<string, string> = {
          calls: JSON.stringify(db.prepare('SELECT * FROM calls ORDER BY id').all()),
          strings: JSON.stringify(db.prepare('SELECT * FROM strings ORDER BY id').all()),
        };
        for (const t of tables)
          out[t] = JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all());
        return out;
      } finally {
        db.close();
      }
    };
    const a = dump(sides.before.path);
    const b = dump(sides.after.path);
    for (const t of Object.keys(a)) if (a[t] !== b[t]) throw new Error(`the two stores differ in ${t}`);

    printAlternation(
      per,
      ['before', 'after'],
      'µs/record',
      2,
      `${ALTERNATIONS} alternations of ${BATCHES * BATCH} records in batches of ${BATCH}${AFTER_BATCH !== BATCH ? ` (after: ${AFTER_BATCH})` : ''}; ${seq} records, stores identical (${Object.keys(a).length} tables)`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
