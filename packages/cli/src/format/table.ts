// Tables for people, in the gh/kubectl style: upper-case headers, columns separated by two spaces,
// numbers right-aligned, no borders. Pure text; colours only when the caller's Styles enable them.
import { type Styles, visibleLength } from '../io.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export interface TableOptions {
  styles: Styles;
  /** Terminal width: the widest left-aligned column is cut (with …) to fit. */
  maxWidth?: number | undefined;
  /** A last row set apart in bold (totals). */
  footer?: string[];
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const gap = width - visibleLength(s);
  if (gap <= 0) return s;
  return align === 'right' ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

function cut(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  if (width <= 1) return '…';
  return `${s.slice(0, width - 1)}…`;
}

export function renderTable(columns: Column[], rows: string[][], options: TableOptions): string {
  const all = options.footer ? [...rows, options.footer] : rows;
  const widths = columns.map((c, i) =>
    Math.max(visibleLength(c.header), ...all.map((r) => visibleLength(r[i] ?? ''))),
  );
  const gap = 2;
  if (options.maxWidth !== undefined) {
    const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
    let guard = 0;
    while (total() > options.maxWidth && guard++ < 200) {
      let widest = -1;
      for (let i = 0; i < columns.length; i++) {
        if ((columns[i]!.align ?? 'left') !== 'left') continue;
        if (widest < 0 || widths[i]! > widths[widest]!) widest = i;
      }
      if (widest < 0 || widths[widest]! <= 8) break;
      widths[widest] = Math.max(8, widths[widest]! - (total() - options.maxWidth));
    }
  }
  const line = (cells: string[], style?: (s: string) => string) =>
    columns
      .map((c, i) => {
        const text = cut(cells[i] ?? '', widths[i]!);
        const padded = pad(text, widths[i]!, c.align ?? 'left');
        return style ? style(padded) : padded;
      })
      .join(' '.repeat(gap))
      .trimEnd();
  const out = [
    line(
      columns.map((c) => c.header.toUpperCase()),
      options.styles.bold,
    ),
  ];
  for (const r of rows) out.push(line(r));
  if (options.footer) out.push(line(options.footer, options.styles.bold));
  return `${out.join('\n')}\n`;
}
