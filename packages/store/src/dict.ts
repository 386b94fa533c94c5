// The strings dictionary: every repeated text value of a call (provider, model, feature, user, tenant,
// pricing provenance, ...) is stored once in `strings` and referenced by id. Ids are never deleted or
// reused, so a cache of them stays valid for the life of a connection, across processes.
import type { Database, Statement } from './driver/index.js';

export class StringDict {
  private readonly ids = new Map<string, number>();
  private readonly values = new Map<number, string>();
  private maxLoadedId = 0;
  /** Values given an id inside the current write transaction (forgotten if it rolls back). */
  private pending: string[] = [];
  private readonly selectId: Statement<[string], { id: number }>;
  private readonly insert: Statement<[string]>;
  private readonly loadAfter: Statement<[number], { id: number; value: string }>;

  constructor(db: Database) {
    this.selectId = db.prepare('SELECT id FROM strings WHERE value = ?');
    this.insert = db.prepare('INSERT INTO strings (value) VALUES (?)');
    this.loadAfter = db.prepare('SELECT id, value FROM strings WHERE id > ? ORDER BY id');
  }

  /** Id of `value`, creating it. Call inside a write transaction, then commit() or rollback(). */
  intern(value: string): number {
    const cached = this.ids.get(value);
    if (cached !== undefined) return cached;
    const row = this.selectId.get(value);
    let id: number;
    if (row) id = row.id;
    else {
      id = Number(this.insert.run(value).lastInsertRowid);
      this.pending.push(value);
    }
    this.ids.set(value, id);
    this.values.set(id, value);
    return id;
  }

  commit(): void {
    this.pending = [];
  }

  rollback(): void {
    for (const v of this.pending) {
      const id = this.ids.get(v);
      this.ids.delete(v);
      if (id !== undefined) this.values.delete(id);
    }
    this.pending = [];
  }

  /** Id of an existing value, or undefined when the store has never seen it. Never writes. */
  lookup(value: string): number | undefined {
    const cached = this.ids.get(value);
    if (cached !== undefined) return cached;
    const row = this.selectId.get(value);
    if (!row) return undefined;
    this.ids.set(value, row.id);
    this.values.set(row.id, value);
    return row.id;
  }

  /** The text of an id (null for null/0). */
  valueOf(id: number | null | undefined): string | null {
    if (id === null || id === undefined || id === 0) return null;
    let v = this.values.get(id);
    if (v === undefined) {
      for (const row of this.loadAfter.iterate(this.maxLoadedId)) {
        this.values.set(row.id, row.value);
        this.ids.set(row.value, row.id);
        if (row.id > this.maxLoadedId) this.maxLoadedId = row.id;
      }
      v = this.values.get(id);
    }
    return v ?? null;
  }
}
