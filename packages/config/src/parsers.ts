// The value types of the table: one parser per kind of value, with the parsing rules every
// component shares. The reader has already trimmed the value and skipped it when empty (an empty
// variable is the same as an unset one, as the OTel spec says).
//
// Rules:
// - OTEL_* booleans follow the OTel spec: only "true" (any case) is true, "false" (any case) is
//   false; anything else is reported and taken as false. No 1/yes/on: the spec forbids extending it.
// - TOKENMETER_* booleans accept true/false, 1/0, yes/no, on/off (any case); anything else is
//   reported and the default used. Never a silent guess.
// - Enum words and list items are case-insensitive and returned in lower case; list items are
//   comma-separated, trimmed, empty items skipped, duplicates dropped; `none` alone is the empty list.
// - Whole numbers are digits only (no 10s, no 1e3, no 2.5), within a range given per variable.
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EnvType } from './types.js';

const code = (s: string) => `\`${s}\``;

/** OTel's boolean: case-insensitive `true` / `false`; another value is reported and means false. */
export const otelBoolean: EnvType<boolean> = {
  describe: '`true` or `false`',
  allowed: ['true', 'false'],
  parse(raw, ctx) {
    const v = raw.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    return ctx.invalid('true or false');
  },
  format: String,
};

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];

/** tokenmeter's boolean: true/false, 1/0, yes/no, on/off in any case; another value is reported. */
export const flag: EnvType<boolean> = {
  describe: '`true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`)',
  allowed: [...TRUE_WORDS, ...FALSE_WORDS],
  parse(raw, ctx) {
    const v = raw.toLowerCase();
    if (TRUE_WORDS.includes(v)) return true;
    if (FALSE_WORDS.includes(v)) return false;
    return ctx.invalid('true or false (or 1/0, yes/no, on/off)');
  },
  format: String,
};

/**
 * A switch: `on` or `off` (also the other words of `flag`: true/false, 1/0, yes/no), or one of
 * `more` (a partial setting, e.g. `outgoing`). Returned as `on`, `off` or the word, in lower case.
 */
export function switchOr<T extends string>(more: readonly T[]): EnvType<'on' | 'off' | T> {
  const words = ['on', 'off', ...more];
  return {
    describe: words.map(code).join(', '),
    allowed: words,
    parse(raw, ctx) {
      const v = raw.toLowerCase();
      if (TRUE_WORDS.includes(v)) return 'on';
      if (FALSE_WORDS.includes(v)) return 'off';
      if ((more as readonly string[]).includes(v)) return v as T;
      return ctx.invalid(`one of ${words.join(', ')}`);
    },
    format: String,
  };
}

/** Words OTel defines (or users try) that tokenmeter recognises but does not ship: word → why. */
export type Unsupported = Readonly<Record<string, string>>;

/** One word of `values`, any case. */
export function oneOf<T extends string>(
  values: readonly T[],
  options: { unsupported?: Unsupported } = {},
): EnvType<T> {
  return {
    describe: values.map(code).join(', '),
    allowed: values,
    parse(raw, ctx) {
      const v = raw.toLowerCase();
      if ((values as readonly string[]).includes(v)) return v as T;
      const why = options.unsupported?.[v];
      return ctx.invalid(`one of ${values.join(', ')}${why ? ` (${v}: ${why})` : ''}`);
    },
    format: String,
  };
}

/** A comma list of words of `values` (any case); `none` alone is the empty list. */
export function listOf<T extends string>(
  values: readonly T[],
  options: { unsupported?: Unsupported } = {},
): EnvType<T[]> {
  return {
    describe: `${[...values, 'none'].map(code).join(', ')}, or a comma list`,
    allowed: [...values, 'none'],
    parse(raw, ctx) {
      const items = raw
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== '');
      if (items.length === 1 && items[0] === 'none') return [];
      const out: T[] = [];
      for (const item of items) {
        if (item === 'none') {
          ctx.ignored('"none" cannot be combined with other values');
        } else if ((values as readonly string[]).includes(item)) {
          if (!out.includes(item as T)) out.push(item as T);
        } else {
          const why = options.unsupported?.[item];
          ctx.ignored(
            `${JSON.stringify(item)} is not one of ${[...values, 'none'].join(', ')}${why ? ` (${why})` : ''}`,
          );
        }
      }
      return out.length > 0 ? out : ctx.invalid();
    },
    format: (v) => (v.length ? v.join(',') : 'none'),
  };
}

/** A whole number in [min, max]; `unit` names it in problem lines ("count of ms", "port number"). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER, unit = 'number'): EnvType<number> {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
  return {
    describe: `whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `${min}..${max}`}`,
    parse(raw, ctx) {
      const n = /^\+?\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
      return ctx.invalid(`a whole ${unit} ${range}`);
    },
    format: String,
  };
}

/** A number in 0..1. */
export const ratio: EnvType<number> = {
  describe: 'number 0..1',
  parse(raw, ctx) {
    const n = /^[+]?(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : Number.NaN;
    return n >= 0 && n <= 1 ? n : ctx.invalid('a ratio in 0..1');
  },
  format: String,
};

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** An http:// or https:// URL, as written. */
export const httpUrl: EnvType<string> = {
  describe: 'http(s) URL',
  parse: (raw, ctx) => (isHttpUrl(raw) ? raw : ctx.invalid('an http:// or https:// URL')),
  format: String,
};

/** Whether `s` is a `redis://` or `rediss://` URL with a host. */
export function isRedisUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). Never printed whole: it may hold a password. */
export const redisUrl: EnvType<string> = {
  describe: '`redis://` or `rediss://` URL',
  parse: (raw, ctx) =>
    isRedisUrl(raw)
      ? raw
      : ctx.invalid('a redis:// or rediss:// URL with a host, like redis://127.0.0.1:6379'),
  format: String,
};

/** Any text, as written (trimmed). */
export const text: EnvType<string> = {
  describe: 'text',
  parse: (raw) => raw,
  format: String,
};

/** The longest attribution value (feature, user, tenant) tokenmeter records; longer ones are cut. */
export const ATTRIBUTION_MAX_LENGTH = 256;

/** An attribution value (a feature, user or tenant id): text of at most ATTRIBUTION_MAX_LENGTH characters. */
export const attributionValue: EnvType<string> = {
  describe: `text (at most ${ATTRIBUTION_MAX_LENGTH} characters)`,
  parse: (raw, ctx) =>
    raw.length <= ATTRIBUTION_MAX_LENGTH
      ? raw
      : ctx.invalid(`an id of at most ${ATTRIBUTION_MAX_LENGTH} characters (it has ${raw.length})`),
  format: String,
};

const LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * A comma list of host names to match: `api.example.com` (that host), `*.example.com` (its
 * subdomains), an IP address (IPv6 with or without brackets), or `*` (every host). Lower case, no
 * port; a bad item is reported and skipped.
 */
export const hostPatterns: EnvType<string[]> = {
  describe: '`host`, `*.domain`, IP, `*`; comma list',
  parse(raw, ctx) {
    const out: string[] = [];
    for (const part of raw.split(',')) {
      let item = part.trim().toLowerCase();
      if (item === '') continue;
      if (item.startsWith('[') && item.endsWith(']')) item = item.slice(1, -1);
      const name = item.startsWith('*.') ? item.slice(2) : item;
      const ok = item === '*' || HOST_NAME.test(name) || isIP(item) !== 0;
      if (!ok)
        ctx.ignored(
          `${JSON.stringify(part.trim())} is not a host name, *.domain, IP address or * (no scheme, no port)`,
        );
      else if (!out.includes(item)) out.push(item);
    }
    return out;
  },
  format: (v) => v.join(','),
};

/** A file name, as written (trimmed): the component that opens it resolves it. */
export const fileName: EnvType<string> = { ...text, describe: 'file path' };

/** `key=value,key2=value2` with percent-encoded values (OTel's list format, as in W3C baggage). */
export const keyValues: EnvType<Record<string, string>> = {
  describe: '`key=value,...` (percent-encoded values)',
  parse(raw, ctx) {
    const out: Record<string, string> = {};
    for (const part of raw.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      if (!key) {
        ctx.ignored(`${JSON.stringify(part.trim())} is not key=value`);
        continue;
      }
      try {
        out[decodeURIComponent(key)] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        ctx.ignored(`the value of ${JSON.stringify(key)} is not valid percent-encoding`);
      }
    }
    return out;
  },
  format: (v) =>
    Object.entries(v)
      .map(([k, x]) => `${k}=${encodeURIComponent(x)}`)
      .join(','),
};

/** An endpoint to recognise: requests under `baseUrl` are recorded with `provider`. */
export interface ProviderEndpointValue {
  provider: string;
  baseUrl: string;
}

/**
 * `name=url,...`: the name is a gen_ai.provider.name (lower case: letters, digits, `_.-`), the URL
 * an http(s) base URL whose trailing slashes are dropped. A bad entry is reported and skipped.
 */
export const providerList: EnvType<ProviderEndpointValue[]> = {
  describe: '`name=url,...`',
  parse(raw, ctx) {
    const out: ProviderEndpointValue[] = [];
    for (const part of raw.split(',')) {
      const item = part.trim();
      if (!item) continue;
      const eq = item.indexOf('=');
      const provider = eq > 0 ? item.slice(0, eq).trim().toLowerCase() : '';
      const baseUrl = eq > 0 ? item.slice(eq + 1).trim() : '';
      if (!/^[a-z0-9][a-z0-9_.-]*$/.test(provider)) {
        ctx.ignored(`${JSON.stringify(item)} is not name=url (e.g. vllm=http://localhost:8000/v1)`);
      } else if (!isHttpUrl(baseUrl)) {
        ctx.ignored(`${JSON.stringify(baseUrl)} (for ${provider}) is not an http:// or https:// URL`);
      } else {
        out.push({ provider, baseUrl: baseUrl.replace(/\/+$/, '') });
      }
    }
    return out;
  },
  format: (v) => v.map((p) => `${p.provider}=${p.baseUrl}`).join(','),
};

/** A file or directory path: `~` and `~/...` expand to the home directory, relative paths resolve against the working directory. */
export const filePath: EnvType<string> = {
  describe: 'path',
  parse: (raw) => expandPath(raw),
  format: String,
};

function expandPath(raw: string): string {
  if (raw === '~') return os.homedir();
  if (raw.startsWith('~/')) return path.join(os.homedir(), raw.slice(2));
  return path.resolve(raw);
}

const OFF_WORDS = ['off', 'none', ...FALSE_WORDS];

/** A path (as `filePath`), or null for `off` (also `none`, `false`, `0`, `no`, any case). */
export const pathOrOff: EnvType<string | null> = {
  describe: 'path, or `off`',
  allowed: ['off'],
  parse: (raw) => (OFF_WORDS.includes(raw.toLowerCase()) ? null : expandPath(raw)),
  format: (v) => v ?? 'off',
};
