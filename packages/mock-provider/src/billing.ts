// The mock organisation's bill: every OpenAI chat completion and Anthropic message the mock served
// (and any usage a test adds, e.g. from "another key"), served back by the admin endpoints with the
// providers' documented shapes and pagination:
//   OpenAI    GET /v1/organization/costs, /v1/organization/usage/completions
//   Anthropic GET /v1/organizations/cost_report, /v1/organizations/usage_report/messages
// Shapes from the API references (platform.openai.com/docs/api-reference/usage,
// docs.anthropic.com/en/api/admin-api/usage-cost/get-cost-report and get-messages-usage-report).
// Money is integer nano-dollars inside; OpenAI reports USD numbers, Anthropic cents as decimal strings.

/** USD per million tokens. */
export interface BillingPrice {
  input: number;
  /** Cache reads (OpenAI "cached input"). */
  cachedInput: number;
  /** Cache writes (Anthropic); OpenAI has none. */
  cacheWrite?: number;
  output: number;
}

/** One line of usage on the bill. Tokens follow the GenAI meaning: input includes cache reads and writes. */
export interface BilledUsage {
  provider: 'openai' | 'anthropic';
  /** Default `chat`. Embeddings are in OpenAI's cost report but not in its completions usage report. */
  operation?: 'chat' | 'embeddings';
  /** As the API reports it (`gpt-4o-mini-2024-07-18`, `claude-sonnet-4-5-20250929`). */
  model: string;
  /** Epoch ms. */
  time: number;
  inputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  outputTokens: number;
  /** Default 1. */
  requests?: number;
}

/** The mock's list prices (USD per million tokens), by model without its date stamp. */
export const DEFAULT_BILLING_PRICES: Record<string, BillingPrice> = {
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  'text-embedding-3-small': { input: 0.02, cachedInput: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, cachedInput: 0.13, output: 0 },
  'claude-sonnet-4-6': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  'claude-sonnet-4': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  'claude-haiku-4-5': { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5 },
  'claude-3-5-haiku': { input: 0.8, cachedInput: 0.08, cacheWrite: 1, output: 4 },
  'claude-opus-4-1': { input: 15, cachedInput: 1.5, cacheWrite: 18.75, output: 75 },
};

/** A failure the next admin requests get (`times` of them): a status with an optional Retry-After, or a partial page. */
export type AdminFault = { status: number; retryAfterSeconds?: number } | { partialPage: true };

const DAY_MS = 86_400_000;
const DATE_STAMP = /-(?:20\d{2}-\d{2}-\d{2}|20\d{6})$/;

export function billingModelKey(model: string): string {
  return model.toLowerCase().replace(DATE_STAMP, '');
}

interface DayModel {
  provider: 'openai' | 'anthropic';
  operation: 'chat' | 'embeddings';
  dayMs: number;
  model: string;
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  requests: number;
}

/** The bill of one mock server (cleared by reset()). */
export class Billing {
  private readonly cells = new Map<string, DayModel>();
  private readonly faults: { fault: AdminFault; times: number }[] = [];
  readonly prices: Record<string, BillingPrice>;

  constructor(prices: Record<string, BillingPrice> = {}) {
    this.prices = { ...DEFAULT_BILLING_PRICES };
    for (const [k, v] of Object.entries(prices)) this.prices[billingModelKey(k)] = v;
  }

  /** Adds usage to the bill (the mock calls it for each chat completion and message it serves). */
  add(u: BilledUsage): void {
    const dayMs = Math.floor(u.time / DAY_MS) * DAY_MS;
    const operation = u.operation ?? 'chat';
    const k = `${u.provider}\u0001${operation}\u0001${dayMs}\u0001${u.model}`;
    let c = this.cells.get(k);
    if (!c) {
      c = {
        provider: u.provider,
        operation,
        dayMs,
        model: u.model,
        uncached: 0,
        cacheRead: 0,
        cacheWrite: 0,
        output: 0,
        requests: 0,
      };
      this.cells.set(k, c);
    }
    const read = u.cacheReadTokens ?? 0;
    const write = u.cacheWriteTokens ?? 0;
    c.uncached += Math.max(0, u.inputTokens - read - write);
    c.cacheRead += read;
    c.cacheWrite += write;
    c.output += u.outputTokens;
    c.requests += u.requests ?? 1;
  }

  /** The next `times` admin requests fail with `fault`. */
  failNext(fault: AdminFault, times = 1): void {
    this.faults.push({ fault, times });
  }

  /** Takes the fault for this request, if one is queued. */
  takeFault(): AdminFault | undefined {
    const f = this.faults[0];
    if (!f) return undefined;
    if (--f.times <= 0) this.faults.shift();
    return f.fault;
  }

  reset(): void {
    this.cells.clear();
    this.faults.length = 0;
  }

  /** Usage of `provider` per day and model, in [sinceMs, untilMs). */
  cellsOf(provider: 'openai' | 'anthropic', sinceMs: number, untilMs: number): DayModel[] {
    return [...this.cells.values()]
      .filter((c) => c.provider === provider && c.dayMs >= sinceMs && c.dayMs < untilMs)
      .sort((a, b) => a.dayMs - b.dayMs || a.model.localeCompare(b.model));
  }

  /** Nano-dollars of each kind of token of a cell; undefined when the model has no price here. */
  costs(
    c: DayModel,
  ): { uncached: number; cacheRead: number; cacheWrite: number; output: number } | undefined {
    const p = this.prices[billingModelKey(c.model)];
    if (!p) return undefined;
    // USD per million tokens × 1000 = nano-dollars per token.
    const n = (tokens: number, usdPerM: number) => Math.round(tokens * usdPerM * 1000);
    return {
      uncached: n(c.uncached, p.input),
      cacheRead: n(c.cacheRead, p.cachedInput),
      cacheWrite: n(c.cacheWrite, p.cacheWrite ?? p.input),
      output: n(c.output, p.output),
    };
  }
}
