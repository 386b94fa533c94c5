// The ledger of a fleet, in Redis (`TOKENMETER_BUDGET_REDIS=redis://...`). Per budget: spend
// counters per bucket (the period, or an N-minute bucket of a rolling window) that expire after the
// window has passed them; reservations of calls in flight in a hash (ref → nanos) with their expiry
// in a sorted set. A check-and-reserve is one Lua script (atomic in Redis: no other command runs
// between its reads and writes), so hosts never both spend the same headroom; settling is another.
// Every key carries the hash tag {tokenmeter}, so a Redis Cluster keeps them in one slot.
//
// The client is node-redis' core, `@redis/client` (zero dependencies, MIT, maintained by Redis),
// an optional peer dependency loaded only when this ledger is used. Commands fail at once while
// the connection is down (no offline queue) and after `timeoutMs`: the checker then applies
// TOKENMETER_BUDGET_FAIL.
import { createHash } from 'node:crypto';
import { budgetBucket } from '@tokenmeter/store';
import type { BudgetDefinition, Nanos } from '../types.js';
import { WindowCache } from '../windows.js';
import {
  type BudgetLedger,
  IN_FLIGHT_TTL_MS,
  LEASE_TTL_MS,
  type LeaseRequest,
  type LeaseResult,
  type ReserveRequest,
  type ReserveResult,
} from './types.js';

const PREFIX = 'tokenmeter:{tokenmeter}:budget:';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Default time a check waits for Redis before the fail mode applies. */
export const DEFAULT_REDIS_TIMEOUT_MS = 250;
/**
 * Default time the first checks wait for the first connection (loading the client and connecting at
 * start-up); once it is made or has failed, a check never waits for a connection again.
 */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 10_000;

// Lua: drops the lapsed reservations of hash `r` (their expiry in zset `e`, at `now`).
const LUA_PRUNE = `
  local lapsed = redis.call('ZRANGEBYSCORE', e, '-inf', now)
  for _, ref0 in ipairs(lapsed) do redis.call('HDEL', r, ref0) end
  if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', e, '-inf', now) end`;
// Lua: `reserved`, the sum of hash `r`, and `spent`, of the `buckets` spend keys from KEYS[k].
const LUA_SUM = `
  local reserved = 0
  for _, v in ipairs(redis.call('HVALS', r)) do reserved = reserved + tonumber(v) end
  local spent = 0
  for j = 0, buckets - 1 do
    local v = redis.call('GET', KEYS[k + j])
    if v then spent = spent + tonumber(v) end
  end`;

// KEYS per budget: reservations hash, expiry zset, then its spend buckets.
// ARGV: now, ref, nanos, expiresAt, budget count, then per budget: limit, hard (0/1), bucket count.
// Returns { reserved (0/1), then per budget over its limit: index, spent, reserved }.
const RESERVE = `
local now = tonumber(ARGV[1])
local ref = ARGV[2]
local nanos = tonumber(ARGV[3])
local expiresAt = ARGV[4]
local n = tonumber(ARGV[5])
local a = 6
local k = 1
local out = {1}
local hardOver = false
local held = {}
for i = 1, n do
  local limit = tonumber(ARGV[a])
  local hard = ARGV[a + 1] == '1'
  local buckets = tonumber(ARGV[a + 2])
  a = a + 3
  local r = KEYS[k]
  local e = KEYS[k + 1]
  k = k + 2
${LUA_PRUNE}
${LUA_SUM}
  k = k + buckets
  local current = spent + reserved
  if current + nanos > limit or current >= limit then
    out[#out + 1] = i - 1
    out[#out + 1] = spent
    out[#out + 1] = reserved
    if hard then hardOver = true end
  end
  held[i] = {r, e}
end
if hardOver then
  out[1] = 0
  return out
end
for i = 1, n do
  redis.call('HSET', held[i][1], ref, nanos)
  redis.call('ZADD', held[i][2], expiresAt, ref)
  redis.call('PEXPIREAT', held[i][1], expiresAt)
  redis.call('PEXPIREAT', held[i][2], expiresAt)
end
return out
`;

// KEYS per budget: reservations hash, expiry zset, the spend bucket of the call.
// ARGV: ref, actual nanos, budget count, then per budget: the bucket's expiry (epoch ms).
const SETTLE = `
local ref = ARGV[1]
local actual = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
for i = 1, n do
  local k = (i - 1) * 3
  redis.call('HDEL', KEYS[k + 1], ref)
  redis.call('ZREM', KEYS[k + 2], ref)
  if actual > 0 then
    redis.call('INCRBY', KEYS[k + 3], ARGV[2])
    redis.call('PEXPIREAT', KEYS[k + 3], ARGV[3 + i])
  end
end
return 1
`;

// KEYS per change: reservations hash, expiry zset, the spend bucket of the lease, its window's buckets.
// ARGV: now, the lease's expiry, the hash's expiry, share, change count, then per change: ref,
// release, spent, need, limit, hard (0/1), bucket count, the spend bucket's expiry.
// A lease is a field of the reservations hash (so every other host counts it as reserved), grown
// and shrunk in place. Returns { granted (0/1), over count, then per over: index, spent, reserved,
// then per change: the nanos granted }.
const LEASE = `
local now = tonumber(ARGV[1])
local leaseExp = ARGV[2]
local hashExp = ARGV[3]
local share = tonumber(ARGV[4])
local n = tonumber(ARGV[5])
local a = 6
local k = 1
local over = {}
local hardOver = false
local grants = {}
for i = 1, n do
  local ref = ARGV[a]
  local back = tonumber(ARGV[a + 1]) + tonumber(ARGV[a + 2])
  local moved = tonumber(ARGV[a + 2])
  local need = tonumber(ARGV[a + 3])
  local limit = tonumber(ARGV[a + 4])
  local hard = ARGV[a + 5] == '1'
  local buckets = tonumber(ARGV[a + 6])
  local spendExp = ARGV[a + 7]
  a = a + 8
  local r = KEYS[k]
  local e = KEYS[k + 1]
  local target = KEYS[k + 2]
  k = k + 3
${LUA_PRUNE}
  local held = redis.call('HEXISTS', r, ref) == 1
  if held and back ~= 0 then redis.call('HINCRBY', r, ref, string.format('%.0f', -back)) end
  if moved > 0 then
    redis.call('INCRBY', target, string.format('%.0f', moved))
    redis.call('PEXPIREAT', target, spendExp)
  end
  if held then
    redis.call('ZADD', e, leaseExp, ref)
    redis.call('PEXPIREAT', r, hashExp)
    redis.call('PEXPIREAT', e, hashExp)
  end
  local g = 0
  if need > 0 then
${LUA_SUM}
    local current = spent + reserved
    if current + need > limit or current >= limit then
      over[#over + 1] = i - 1
      over[#over + 1] = spent
      over[#over + 1] = reserved
      if hard then hardOver = true end
      g = need
    else
      g = math.max(need, math.floor((limit - current) * share))
    end
  end
  k = k + buckets
  grants[i] = {r, e, ref, g}
end
local out = {hardOver and 0 or 1, #over / 3}
for _, v in ipairs(over) do out[#out + 1] = v end
for i = 1, n do
  local g = grants[i]
  if hardOver then
    out[#out + 1] = 0
  else
    out[#out + 1] = g[4]
    if g[4] > 0 then
      redis.call('HINCRBY', g[1], g[3], string.format('%.0f', g[4]))
      redis.call('ZADD', g[2], leaseExp, g[3])
      redis.call('PEXPIREAT', g[1], hashExp)
      redis.call('PEXPIREAT', g[2], hashExp)
    end
  end
end
return out
`;

// KEYS: reservations hash, expiry zset, the window's spend buckets. ARGV: now. Returns { spent, reserved }.
const SPEND = `
local now = tonumber(ARGV[1])
local reserved = 0
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
for _, ref in ipairs(live) do
  local v = redis.call('HGET', KEYS[1], ref)
  if v then reserved = reserved + tonumber(v) end
end
local spent = 0
for j = 3, #KEYS do
  local v = redis.call('GET', KEYS[j])
  if v then spent = spent + tonumber(v) end
end
return {spent, reserved}
`;

interface Script {
  text: string;
  sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

const SCRIPTS = {
  reserve: script(RESERVE),
  settle: script(SETTLE),
  spend: script(SPEND),
  lease: script(LEASE),
};

/** The part of a node-redis client this ledger uses. */
export interface RedisClientLike {
  connect(): Promise<unknown>;
  sendCommand<T = unknown>(args: readonly string[], options?: { timeout?: number }): Promise<T>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** True while connected (node-redis). */
  readonly isReady?: boolean;
  unref?(): void;
  destroy(): void;
}

export interface RedisLedgerOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  url: string;
  /** How long a command may take before it counts as a failure. Default 250 ms. */
  timeoutMs?: number;
  /**
   * How long the first checks wait for the first connection (a refused one fails at once). Default
   * 10 s: loading the client takes seconds on a loaded machine.
   */
  connectTimeoutMs?: number;
  /** A client made elsewhere (tests). Default: `@redis/client`'s createClient. */
  client?: RedisClientLike;
  now?: () => number;
}

function budgetHash(key: string): string {
  return createHash('sha1').update(key).digest('hex').slice(0, 20);
}

export class RedisLedger implements BudgetLedger {
  readonly kind = 'redis';
  readonly storeRef = false;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly windows = new WindowCache();
  private readonly hashes = new Map<string, string>();
  private client: RedisClientLike | undefined;
  /** Settles when the first connection is made or has failed: checks wait for it, then never again. */
  private readonly firstTry: Promise<void>;
  private lastError = 'connecting';
  private connectedOnce = false;
  private readonly now: () => number;

  constructor(options: RedisLedgerOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    let settled!: () => void;
    this.firstTry = new Promise((resolve) => {
      settled = resolve;
    });
    this.open(options, settled).then(settled, (e) => {
      this.lastError = oneLine(e);
      settled();
    });
  }

  private async open(options: RedisLedgerOptions, firstFailure: () => void): Promise<void> {
    let client = options.client;
    if (client === undefined) {
      let mod: { createClient: (o: unknown) => RedisClientLike };
      try {
        mod = (await import('@redis/client')) as unknown as typeof mod;
      } catch {
        throw new Error(
          'TOKENMETER_BUDGET_REDIS is set but the Redis client is not installed: npm install @redis/client',
        );
      }
      client = mod.createClient({
        url: options.url,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: this.connectTimeoutMs,
          reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 6), 5000),
        },
      });
    }
    // node-redis emits 'error' on every failed (re)connection: without a listener the app would crash.
    client.on('error', (e) => {
      this.lastError = oneLine(e);
      firstFailure();
    });
    this.client = client;
    await client.connect();
    this.connectedOnce = true;
    client.unref?.();
  }

  /** The connected client; waits (bounded) only for the first connection, then fails at once while down. */
  private async connected(): Promise<RedisClientLike> {
    let c = this.client;
    if (c !== undefined && (c.isReady ?? this.connectedOnce)) return c;
    await withTimeout(this.firstTry, this.connectTimeoutMs);
    c = this.client;
    if (c === undefined || !(c.isReady ?? this.connectedOnce))
      throw new Error(`Redis is not connected: ${this.lastError}`);
    return c;
  }

  private key(b: BudgetDefinition): string {
    let h = this.hashes.get(b.key);
    if (h === undefined) {
      h = PREFIX + budgetHash(b.key);
      if (this.hashes.size > 10_000) this.hashes.clear();
      this.hashes.set(b.key, h);
    }
    return h;
  }

  /** The spend bucket keys of a budget's window at `nowMs`. */
  private bucketKeys(b: BudgetDefinition, nowMs: number): string[] {
    const w = this.windows.at(b, nowMs);
    const base = `${this.key(b)}:s:`;
    const size = w.bucketEndMs - w.bucketStartMs;
    if (!b.period.startsWith('rolling:')) return [base + w.bucketStartMs];
    const keys: string[] = [];
    for (let t = w.startMs; t <= w.bucketStartMs; t += size) keys.push(base + t);
    return keys;
  }

  private async run<T>(s: Script, keys: readonly string[], args: readonly string[]): Promise<T> {
    const client = await this.connected();
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await client.sendCommand<T>(['EVALSHA', s.sha, ...tail], { timeout: this.timeoutMs });
    } catch (e) {
      if (!String((e as Error)?.message).startsWith('NOSCRIPT')) throw e;
      return client.sendCommand<T>(['EVAL', s.text, ...tail], { timeout: this.timeoutMs });
    }
  }

  async reserve(r: ReserveRequest): Promise<ReserveResult> {
    const now = this.now();
    const keys: string[] = [];
    const args: string[] = [
      String(now),
      r.ref,
      String(r.nanos),
      String(now + IN_FLIGHT_TTL_MS),
      String(r.budgets.length),
    ];
    r.budgets.forEach((b, i) => {
      const k = this.key(b);
      const buckets = this.bucketKeys(b, r.timeMs);
      keys.push(`${k}:r`, `${k}:e`, ...buckets);
      args.push(String(b.limitNanos), r.hard[i] ? '1' : '0', String(buckets.length));
    });
    const out = await this.run<number[]>(SCRIPTS.reserve, keys, args);
    const over: ReserveResult['over'] = [];
    for (let i = 1; i + 2 < out.length; i += 3) {
      over.push({ index: Number(out[i]), spentNanos: Number(out[i + 1]), reservedNanos: Number(out[i + 2]) });
    }
    return { reserved: Number(out[0]) === 1, over };
  }

  /**
   * Gives back, moves to the spend and takes headroom on this host's leases, in one Lua script.
   * Lease steps that move spend are waited for by close(), as settlements are.
   */
  lease(r: LeaseRequest): Promise<LeaseResult> {
    const p = this.sendLease(r);
    if (r.changes.some((c) => c.spentNanos > 0 || c.releaseNanos > 0)) {
      this.settling.add(p);
      const done = () => this.settling.delete(p);
      p.then(done, done);
    }
    return p;
  }

  private async sendLease(r: LeaseRequest): Promise<LeaseResult> {
    const now = this.now();
    const keys: string[] = [];
    const args: string[] = [
      String(now),
      String(now + LEASE_TTL_MS),
      String(now + IN_FLIGHT_TTL_MS),
      String(r.share),
      String(r.changes.length),
    ];
    for (const c of r.changes) {
      const b = c.budget;
      const k = this.key(b);
      const buckets = c.needNanos > 0 ? this.bucketKeys(b, c.timeMs) : [];
      keys.push(
        `${k}:r`,
        `${k}:e`,
        `${k}:s:${budgetBucket(b.period, c.timeMs, b.timeZone).startMs}`,
        ...buckets,
      );
      args.push(
        c.ref,
        String(Math.round(c.releaseNanos)),
        String(Math.round(c.spentNanos)),
        String(Math.round(c.needNanos)),
        String(b.limitNanos),
        c.hard ? '1' : '0',
        String(buckets.length),
        String(spendExpiry(b, c.timeMs)),
      );
    }
    const out = await this.run<number[]>(SCRIPTS.lease, keys, args);
    const overCount = Number(out[1]);
    const over: LeaseResult['over'] = [];
    let i = 2;
    for (let j = 0; j < overCount; j++, i += 3) {
      over.push({ index: Number(out[i]), spentNanos: Number(out[i + 1]), reservedNanos: Number(out[i + 2]) });
    }
    const grantedNanos = out.slice(i).map(Number);
    return { granted: Number(out[0]) === 1, grantedNanos, over };
  }

  /** Settlements sent and not answered yet: close() waits for them (bounded). */
  private readonly settling = new Set<Promise<unknown>>();

  settle(r: ReserveRequest, actualNanos: Nanos): Promise<void> {
    const p = this.sendSettle(r, actualNanos);
    this.settling.add(p);
    const done = () => this.settling.delete(p);
    p.then(done, done);
    return p;
  }

  private async sendSettle(r: ReserveRequest, actualNanos: Nanos): Promise<void> {
    const keys: string[] = [];
    const expiries: string[] = [];
    for (const b of r.budgets) {
      const k = this.key(b);
      const bucket = budgetBucket(b.period, r.timeMs, b.timeZone);
      keys.push(`${k}:r`, `${k}:e`, `${k}:s:${bucket.startMs}`);
      expiries.push(String(spendExpiry(b, r.timeMs)));
    }
    await this.run(SCRIPTS.settle, keys, [
      r.ref,
      String(Math.round(actualNanos)),
      String(r.budgets.length),
      ...expiries,
    ]);
  }

  async spend(b: BudgetDefinition, nowMs: number): Promise<{ spentNanos: Nanos; reservedNanos: Nanos }> {
    const k = this.key(b);
    const out = await this.run<number[]>(
      SCRIPTS.spend,
      [`${k}:r`, `${k}:e`, ...this.bucketKeys(b, nowMs)],
      [String(nowMs)],
    );
    return { spentNanos: Number(out[0]), reservedNanos: Number(out[1]) };
  }

  /**
   * Waits (at most `waitMs`) for the settlements still on their way, so the spend of the last calls
   * reaches Redis, then closes the connection.
   */
  async close(waitMs = 2000): Promise<void> {
    if (this.settling.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        timer.unref?.();
        Promise.allSettled([...this.settling]).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    try {
      this.client?.destroy();
    } catch {
      // already closed
    }
  }
}

/** When the spend bucket holding `timeMs` may go: after the window has passed it. */
function spendExpiry(b: BudgetDefinition, timeMs: number): number {
  const bucket = budgetBucket(b.period, timeMs, b.timeZone);
  if (!b.period.startsWith('rolling:')) return bucket.endMs + DAY_MS;
  return bucket.endMs + Number(b.period.slice(8, -1)) * HOUR_MS + HOUR_MS;
}

function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to Redis within ${ms} ms`)), ms);
    timer.unref?.();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
