// Renders the settings tables of the READMEs from the environment table (packages/config/src/table.ts).
// Used by scripts/gen-env.ts (write / --check) and by the test that the READMEs match.
import { ENV_VARS, type EnvName } from '../packages/config/src/index.js';
import type { EnvVarSpec } from '../packages/config/src/types.js';

type AnySpec = EnvVarSpec<unknown, unknown>;

/** A generated block of a markdown file: the text between its BEGIN and END markers. */
export interface GeneratedBlock {
  /** Path from the repository root. */
  file: string;
  /** Name in the markers. */
  block: string;
  render(): string;
}

const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

function defaultText(spec: AnySpec): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  if (spec.default !== undefined) return code(spec.type.format(spec.default));
  if (spec.fallsBackTo) return code(spec.fallsBackTo);
  return '';
}

function meaning(spec: AnySpec): string {
  const gate = spec.onlyWith
    ? ` (read only with ${spec.onlyWith.name} ${spec.onlyWith.values.map(code).join(' or ')})`
    : '';
  return `${spec.doc}${gate}`;
}

/** A markdown table with its columns padded to one width, as the formatter of the other tables does. */
export function markdownTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((r) => r.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(all[0]!),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...all.slice(1).map(line),
  ].join('\n');
}

const rows = () => Object.entries(ENV_VARS) as [EnvName, AnySpec][];

/** The settings of an instrumented app (the preload, TokenmeterInstrumentation, the store, pricing). */
export function appSettingsTable(): string {
  const appSide = (s: AnySpec) => !s.internal && s.readBy.some((c) => c !== 'cli');
  return markdownTable(
    ['variable', 'default', 'values', 'meaning'],
    rows()
      .filter(([, s]) => appSide(s))
      .map(([name, s]) => [code(name), defaultText(s), s.type.describe, meaning(s)]),
  );
}

/** Every variable, with whose name it is and who reads it. */
export function everyVariableTable(): string {
  return markdownTable(
    ['variable', 'source', 'read by', 'values', 'default', 'meaning'],
    rows().map(([name, s]) => [
      code(name),
      s.source === 'otel' ? 'OTel' : 'tokenmeter',
      s.readBy.join(', '),
      s.type.describe,
      defaultText(s),
      `${s.internal ? '(internal) ' : ''}${meaning(s)}`,
    ]),
  );
}

export const GENERATED_BLOCKS: GeneratedBlock[] = [
  { file: 'packages/node/README.md', block: 'env-settings', render: appSettingsTable },
  { file: 'packages/config/README.md', block: 'env-table', render: everyVariableTable },
];

export const COMMAND = 'npm run gen:env';

export function beginMarker(block: string): string {
  return `<!-- BEGIN GENERATED ${block}: DO NOT EDIT. Generated from packages/config/src/table.ts by scripts/gen-env.ts: run \`${COMMAND}\`. -->`;
}

export function endMarker(block: string): string {
  return `<!-- END GENERATED ${block} -->`;
}

/**
 * `text` with the block between its markers replaced by `body`. Throws when the markers are missing
 * (a README lost them: put them back where the table belongs).
 */
export function replaceBlock(text: string, file: string, block: string, body: string): string {
  const begin = text.indexOf(`<!-- BEGIN GENERATED ${block}:`);
  const end = text.indexOf(endMarker(block));
  if (begin < 0 || end < begin)
    throw new Error(`${file}: no ${beginMarker(block)} … ${endMarker(block)} markers`);
  return `${text.slice(0, begin)}${beginMarker(block)}\n\n${body}\n\n${text.slice(end)}`;
}
