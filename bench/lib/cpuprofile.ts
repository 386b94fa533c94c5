// Reads V8 CPU profiles (the inspector's Profiler.stop result, the format of `--cpu-prof`): self time
// per function and per place (package, or Node's own subsystems), so that two profiles of the same
// work can be subtracted.

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Samples per function key and per place, over the whole profile. Counted, not timed: the sampler
 * measures wall time between samples, so a thread that waits for a CPU (a loaded machine) would
 * charge the wait to whatever it resumes; a sample is only ever taken while the thread runs.
 */
export interface SelfTimes {
  byFunction: Map<string, number>;
  byPlace: Map<string, number>;
  /** The place of each function key. */
  placeOf: Map<string, string>;
  /** Samples outside (idle). */
  busySamples: number;
}

/** Node's internal modules, grouped by what they do for an HTTP client. */
const NODE_PLACES: [RegExp, string][] = [
  [/^node:internal\/(webstreams|streams)|^node:stream/, 'Node: streams (web and node)'],
  [/^node:internal\/deps\/undici|^node:internal\/fetch/, 'Node: undici (fetch)'],
  [
    /^node:(_http|http|https|net|internal\/http|internal\/net|internal\/stream_base|internal\/dns)/,
    'Node: http, net',
  ],
  [
    /^node:internal\/(async_hooks|async_context|async_local_storage)|^node:async_hooks/,
    'Node: async hooks, AsyncLocalStorage',
  ],
  [/^node:internal\/(process\/task_queues|timers)|^node:timers/, 'Node: timers and microtask queue'],
  [
    /^node:internal\/(url|encoding|util|buffer)|^node:(buffer|util|url|string_decoder)/,
    'Node: buffers, text, URL',
  ],
  [/^node:internal\/(perf|performance)|^node:perf_hooks/, 'Node: performance API'],
  [/^node:/, 'Node: other'],
];

/** Where a script URL belongs: a tokenmeter package, an npm package, or a part of Node. */
export function placeOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return 'V8/Node native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) {
    for (const [re, place] of NODE_PLACES) if (re.test(url)) return place;
  }
  const pkg = /\/packages\/([^/]+)\/dist\/(esm|cjs)\//.exec(url);
  if (pkg) return `@tokenmeter/${pkg[1]}`;
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) {
    const rest = url.slice(i + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) return url.slice(i + '/node_modules/'.length);
  const p = /\/packages\/(.+)$/.exec(url);
  if (p) return p[1]!;
  return url;
}

export function functionKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url) return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  // A native accessor is named after whichever property V8 last saw it set or get (undici's
  // `__name` helper defines `name` through one: `set filename` in one process, `set locks` in the
  // next), so one function would show as a phantom difference between two profiles.
  return /^[gs]et /.test(name) ? `${name.slice(0, 3)} (a native accessor)` : name;
}

/**
 * Self time per function and per place. A native function (no script URL: a binding, a builtin) is
 * placed where its nearest JavaScript caller is, so that `writev` counts under Node's net code and a
 * native JSON.parse under the package that called it.
 */
export function selfTimes(profile: CpuProfile): SelfTimes {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const placeCache = new Map<number, string>();
  const placeOfNode = (id: number): string => {
    const cached = placeCache.get(id);
    if (cached !== undefined) return cached;
    const { url, functionName } = nodes.get(id)!.callFrame;
    let place: string;
    if (url || ['(garbage collector)', '(idle)', '(program)', '(root)'].includes(functionName)) {
      place = placeOf(url, functionName);
    } else {
      const up = parent.get(id);
      place =
        up === undefined || nodes.get(up)!.callFrame.functionName === '(root)'
          ? placeOf(url, functionName)
          : placeOfNode(up);
    }
    placeCache.set(id, place);
    return place;
  };
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const placeOfKey = new Map<string, string>();
  let busySamples = 0;
  for (const id of profile.samples) {
    const node = nodes.get(id)!;
    const key = functionKey(node.callFrame);
    const place = placeOfNode(node.id);
    byFunction.set(key, (byFunction.get(key) ?? 0) + 1);
    byPlace.set(place, (byPlace.get(place) ?? 0) + 1);
    placeOfKey.set(key, place);
    if (place !== '(idle)') busySamples++;
  }
  return { byFunction, byPlace, placeOf: placeOfKey, busySamples };
}

export interface Difference {
  key: string;
  place?: string;
  /** µs per unit of work (call or stream), in the first profile and in the second. */
  a: number;
  b: number;
  diff: number;
}

/**
 * Per key: µs per unit in `a` and `b` (samples times that profile's µs per sample, divided by its
 * unit count), and b − a.
 */
export function difference(
  a: Map<string, number>,
  usPerSampleA: number,
  b: Map<string, number>,
  usPerSampleB: number,
): Difference[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const out: Difference[] = [];
  for (const key of keys) {
    const x = (a.get(key) ?? 0) * usPerSampleA;
    const y = (b.get(key) ?? 0) * usPerSampleB;
    out.push({ key, a: x, b: y, diff: y - x });
  }
  return out.sort((p, q) => q.diff - p.diff);
}
