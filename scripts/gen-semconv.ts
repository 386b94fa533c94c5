// Generates the typed constants of @tokenmeter/semconv and the markdown docs from conventions/*.yaml.
//   npm run conventions          write the outputs
//   npm run conventions:check    fail (exit 1) when the committed outputs are stale
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const conventionsDir = join(root, 'conventions');
const generatedDir = join(root, 'packages/semconv/src/generated');
const docsDir = join(conventionsDir, 'docs');

type Stability = 'development' | 'stable' | 'deprecated';
interface Member {
  id: string;
  value: string;
  brief: string;
  stability?: Stability;
}
interface Attribute {
  id: string;
  type: string | { members: Member[] };
  stability: Stability;
  brief: string;
  note?: string;
  examples?: unknown[];
  deprecated?: { reason: string; renamed_to?: string };
}
interface AttributeRef {
  ref: string;
  requirement_level: string | Record<string, string>;
}
interface Group {
  id: string;
  type: 'attribute_group' | 'metric' | 'span';
  display_name?: string;
  brief: string;
  note?: string;
  stability?: Stability;
  attributes?: (Attribute | AttributeRef)[];
  metric_name?: string;
  instrument?: 'histogram' | 'counter' | 'updowncounter' | 'gauge';
  unit?: string;
  span_kind?: string;
  annotations?: {
    prometheus?: { name: string };
    advice?: { explicit_bucket_boundaries?: number[] };
  };
}
interface SourceFile {
  file: string;
  upstream?: { source: string; version: string };
  groups: Group[];
}
interface DefinedAttribute extends Attribute {
  file: string;
  group: Group;
  upstream?: { source: string; version: string };
}

const HEADER = (source: string) =>
  `// DO NOT EDIT. Generated from conventions/${source} by scripts/gen-semconv.ts: run \`npm run conventions\`.\n`;

function load(): SourceFile[] {
  return readdirSync(conventionsDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'manifest.yaml')
    .sort()
    .map((file) => {
      const doc = parse(readFileSync(join(conventionsDir, file), 'utf8')) as Omit<SourceFile, 'file'>;
      if (!doc || !Array.isArray(doc.groups)) throw new Error(`conventions/${file}: no "groups" list`);
      return { file, ...doc };
    });
}

function isRef(a: Attribute | AttributeRef): a is AttributeRef {
  return 'ref' in a;
}

function constName(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

function attributeConst(attr: DefinedAttribute): string {
  const prefix = attr.group.id === 'registry.tokenmeter.metric_label' ? 'LABEL_' : 'ATTR_';
  return prefix + constName(attr.id);
}

function typeName(t: Attribute['type']): string {
  return typeof t === 'string' ? t : 'enum';
}

function jsdoc(lines: (string | undefined | false)[], indent = ''): string {
  const body = lines
    .filter((l): l is string => typeof l === 'string')
    .flatMap((l) => l.trim().split('\n'))
    .map((l) => `${indent} *${l ? ` ${l.replace(/\*\//g, '*\\/')}` : ''}`);
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

function exampleText(e: unknown): string {
  return typeof e === 'string' ? e : JSON.stringify(e);
}

function validate(files: SourceFile[]): {
  attributes: Map<string, DefinedAttribute>;
  metrics: Group[];
  spans: Group[];
} {
  const attributes = new Map<string, DefinedAttribute>();
  const metrics: Group[] = [];
  const spans: Group[] = [];
  const problems: string[] = [];
  for (const f of files) {
    for (const g of f.groups) {
      if (!g.id || !g.type || !g.brief)
        problems.push(`${f.file}: group ${g.id ?? '?'} needs id, type and brief`);
      if (g.type === 'metric') metrics.push(g);
      if (g.type === 'span') spans.push(g);
      for (const a of g.attributes ?? []) {
        if (isRef(a)) continue;
        const where = `${f.file}: attribute ${a.id}`;
        if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(a.id))
          problems.push(`${where}: id must be dotted snake_case`);
        if (!a.type || !a.stability || !a.brief) problems.push(`${where}: needs type, stability and brief`);
        if (!a.examples?.length) problems.push(`${where}: needs examples`);
        if (attributes.has(a.id)) problems.push(`${where}: defined twice`);
        attributes.set(a.id, {
          ...a,
          file: f.file,
          group: g,
          ...(f.upstream ? { upstream: f.upstream } : {}),
        });
      }
    }
  }
  for (const g of [...metrics, ...spans]) {
    for (const a of g.attributes ?? []) {
      if (!isRef(a)) problems.push(`${g.id}: define attributes in a registry group and ref them`);
      else if (!attributes.has(a.ref)) problems.push(`${g.id}: ref to undefined attribute ${a.ref}`);
    }
    if (g.type === 'metric' && (!g.metric_name || !g.instrument || !g.unit)) {
      problems.push(`${g.id}: a metric needs metric_name, instrument and unit`);
    }
  }
  if (problems.length) throw new Error(`conventions are invalid:\n  ${problems.join('\n  ')}`);
  return { attributes, metrics, spans };
}

function genAttributes(attributes: Map<string, DefinedAttribute>): string {
  let out = HEADER('*.yaml');
  const sorted = [...attributes.values()].sort((a, b) => attributeConst(a).localeCompare(attributeConst(b)));
  for (const a of sorted) {
    out += `\n${jsdoc([
      a.brief,
      a.note && '',
      a.note && `@note ${a.note}`,
      '',
      ...(a.examples ?? []).map((e) => `@example ${exampleText(e)}`),
      a.upstream ? `@see ${a.upstream.source} ${a.upstream.version}` : false,
      a.stability !== 'stable' ? '@experimental This attribute is in development and may change.' : false,
      a.deprecated
        ? `@deprecated ${a.deprecated.renamed_to ? `Use ${a.deprecated.renamed_to}.` : a.deprecated.reason}`
        : false,
    ])}export const ${attributeConst(a)} = '${a.id}' as const;\n`;
    if (typeof a.type !== 'string') {
      for (const m of a.type.members) {
        out += `\n${jsdoc([m.brief])}export const ${attributeConst(a).replace(/^ATTR_/, '')}_VALUE_${constName(m.id)} = '${m.value}' as const;\n`;
      }
    }
  }
  return out;
}

function genMetrics(metrics: Group[]): string {
  let out = HEADER('metrics.yaml and upstream.yaml');
  out += `
/** How an instrument is to be created: the arguments of \`meter.create*(name, options)\`. */
export interface MetricDescriptor {
  readonly name: string;
  readonly instrument: 'histogram' | 'counter' | 'updowncounter' | 'gauge';
  readonly unit: string;
  readonly description: string;
  /** The name OpenTelemetry's Prometheus exporter renders. */
  readonly prometheusName: string;
  /** Advised histogram bucket boundaries, if any. */
  readonly buckets?: readonly number[];
}
`;
  const sorted = [...metrics].sort((a, b) => a.metric_name!.localeCompare(b.metric_name!));
  for (const m of sorted) {
    const c = constName(m.metric_name!);
    const prom =
      m.annotations?.prometheus?.name ??
      m.metric_name!.replace(/\./g, '_') + (m.instrument === 'counter' ? '_total' : '');
    const buckets = m.annotations?.advice?.explicit_bucket_boundaries;
    out += `\n${jsdoc([
      m.brief,
      m.note && '',
      m.note && `@note ${m.note}`,
      '',
      `Instrument: ${m.instrument}. Unit: ${m.unit}. Prometheus: ${prom}.`,
      m.stability !== 'stable' ? '@experimental This metric is in development and may change.' : false,
    ])}export const METRIC_${c} = '${m.metric_name}' as const;\n`;
    out += `\n/** The descriptor of {@link METRIC_${c}}. */\nexport const METRIC_${c}_DESCRIPTOR: MetricDescriptor = {\n`;
    out += `  name: METRIC_${c},\n  instrument: '${m.instrument}',\n  unit: '${m.unit}',\n`;
    out += `  description: ${JSON.stringify(m.brief.trim())},\n  prometheusName: '${prom}',\n`;
    if (buckets) out += `  buckets: [${buckets.join(', ')}],\n`;
    out += '};\n';
  }
  return out;
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
}

function requirement(r: AttributeRef['requirement_level']): string {
  if (typeof r === 'string') return r;
  const [k, v] = Object.entries(r)[0] ?? ['', ''];
  return `${k}: ${v}`;
}

function genDocs(
  files: SourceFile[],
  attributes: Map<string, DefinedAttribute>,
  metrics: Group[],
  spans: Group[],
) {
  const manifest = parse(readFileSync(join(conventionsDir, 'manifest.yaml'), 'utf8')) as {
    semconv_version: string;
  };
  const banner =
    '<!-- DO NOT EDIT. Generated from conventions/*.yaml by scripts/gen-semconv.ts: run `npm run conventions`. -->\n';
  let attrs = `${banner}\n# Attributes\n\ntokenmeter conventions ${manifest.semconv_version}. Constants: \`@tokenmeter/semconv\`.\n`;
  for (const f of files) {
    for (const g of f.groups.filter((x) => x.type === 'attribute_group')) {
      attrs += `\n## ${g.display_name ?? g.id}\n\n${g.brief.trim()}\n`;
      if (f.upstream) attrs += `\nSource: ${f.upstream.source} ${f.upstream.version}.\n`;
      if (g.note) attrs += `\n${g.note.trim()}\n`;
      attrs += '\n| Attribute | Type | Description | Examples | Stability |\n|---|---|---|---|---|\n';
      for (const a of g.attributes ?? []) {
        if (isRef(a)) continue;
        const d = attributes.get(a.id)!;
        let desc = mdEscape(d.brief);
        if (d.note) desc += `<br>${mdEscape(d.note)}`;
        if (typeof d.type !== 'string') {
          desc += `<br>Values: ${d.type.members.map((m) => `\`${m.value}\``).join(', ')}`;
        }
        const ex = (d.examples ?? []).map((e) => `\`${mdEscape(exampleText(e))}\``).join('; ');
        attrs += `| \`${d.id}\` | ${typeName(d.type)} | ${desc} | ${ex} | ${d.stability} |\n`;
      }
    }
  }
  let mets = `${banner}\n# Metrics\n\n| Metric | Instrument | Unit | Prometheus name | Description | Attributes |\n|---|---|---|---|---|---|\n`;
  for (const m of [...metrics].sort((a, b) => a.metric_name!.localeCompare(b.metric_name!))) {
    const prom =
      m.annotations?.prometheus?.name ??
      m.metric_name!.replace(/\./g, '_') + (m.instrument === 'counter' ? '_total' : '');
    const refs = (m.attributes ?? [])
      .filter(isRef)
      .map((a) => `\`${a.ref}\` (${requirement(a.requirement_level)})`)
      .join('<br>');
    let desc = mdEscape(m.brief);
    if (m.note) desc += `<br>${mdEscape(m.note)}`;
    const buckets = m.annotations?.advice?.explicit_bucket_boundaries;
    if (buckets) desc += `<br>Buckets: ${buckets.join(', ')}`;
    mets += `| \`${m.metric_name}\` | ${m.instrument} | \`${m.unit}\` | \`${prom}\` | ${desc} | ${refs} |\n`;
  }
  let sp = `${banner}\n# Spans\n`;
  for (const s of spans) {
    sp += `\n## ${s.id}\n\nKind: ${s.span_kind}. ${s.brief.trim()}\n\n${(s.note ?? '').trim()}\n\n| Attribute | Requirement level | Description |\n|---|---|---|\n`;
    for (const a of (s.attributes ?? []).filter(isRef)) {
      sp += `| \`${a.ref}\` | ${requirement(a.requirement_level)} | ${mdEscape(attributes.get(a.ref)!.brief)} |\n`;
    }
  }
  return { 'attributes.md': attrs, 'metrics.md': mets, 'spans.md': sp };
}

function main() {
  const check = process.argv.includes('--check');
  const files = load();
  const { attributes, metrics, spans } = validate(files);
  const outputs: Record<string, string> = {
    [join(generatedDir, 'attributes.ts')]: genAttributes(attributes),
    [join(generatedDir, 'metrics.ts')]: genMetrics(metrics),
  };
  for (const [name, text] of Object.entries(genDocs(files, attributes, metrics, spans))) {
    outputs[join(docsDir, name)] = text;
  }
  const stale: string[] = [];
  for (const [path, text] of Object.entries(outputs)) {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) stale.push(path.slice(root.length + 1));
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${path.slice(root.length + 1)}`);
    }
  }
  if (stale.length) {
    console.error(
      `generated conventions are stale: ${stale.join(', ')}\nrun \`npm run conventions\` and commit.`,
    );
    process.exit(1);
  }
  if (check) console.log(`conventions up to date (${attributes.size} attributes, ${metrics.length} metrics)`);
}

main();
