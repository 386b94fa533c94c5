// A TypeScript evaluation of the OTTL subset `tokenmeter collector-config` generates, with the
// collector's semantics for it (no collector binary installs here): `set(path, value) [where cond]`
// in the span context, paths attributes["k"] and cache["k"], int/float/string/bool/nil literals,
// + - * / on two ints or two floats (mixing is an error, as in OTTL), Double(), IsMatch(), ==, !=,
// and, or. A statement whose evaluation errors is skipped (error_mode: ignore).

type Value = number | bigint | string | boolean | null;
interface Span {
  attributes: Record<string, Value>;
}

type Node =
  | { k: 'lit'; v: Value }
  | { k: 'path'; root: 'attributes' | 'cache'; key: string }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'bin'; op: string; l: Node; r: Node };

class OttlError extends Error {}

function tokenize(src: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|\d+\.\d+|\d+|==|!=|[A-Za-z_][A-Za-z0-9_]*|[()[\],+\-*/])/y;
  const out: string[] = [];
  re.lastIndex = 0;
  while (re.lastIndex < src.length) {
    const m = re.exec(src);
    if (m === null) break;
    out.push(m[1]!);
  }
  if (re.lastIndex < src.trimEnd().length)
    throw new OttlError(`cannot read OTTL at ${src.slice(re.lastIndex)}`);
  return out;
}

class Parser {
  i = 0;
  constructor(private readonly t: string[]) {}
  peek(): string | undefined {
    return this.t[this.i];
  }
  take(expect?: string): string {
    const tok = this.t[this.i++];
    if (tok === undefined || (expect !== undefined && tok !== expect))
      throw new OttlError(`expected ${expect ?? 'a token'}, got ${tok}`);
    return tok;
  }
  or(): Node {
    let l = this.and();
    while (this.peek() === 'or') {
      this.take();
      l = { k: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }
  and(): Node {
    let l = this.cmp();
    while (this.peek() === 'and') {
      this.take();
      l = { k: 'bin', op: 'and', l, r: this.cmp() };
    }
    return l;
  }
  cmp(): Node {
    const l = this.sum();
    const op = this.peek();
    if (op === '==' || op === '!=') {
      this.take();
      return { k: 'bin', op, l, r: this.sum() };
    }
    return l;
  }
  sum(): Node {
    let l = this.product();
    while (this.peek() === '+' || this.peek() === '-')
      l = { k: 'bin', op: this.take(), l, r: this.product() };
    return l;
  }
  product(): Node {
    let l = this.atom();
    while (this.peek() === '*' || this.peek() === '/') l = { k: 'bin', op: this.take(), l, r: this.atom() };
    return l;
  }
  atom(): Node {
    const tok = this.take();
    if (tok === '(') {
      const e = this.or();
      this.take(')');
      return e;
    }
    if (tok.startsWith('"')) return { k: 'lit', v: JSON.parse(tok) as string };
    if (/^\d+\.\d+$/.test(tok)) return { k: 'lit', v: Number(tok) };
    if (/^\d+$/.test(tok)) return { k: 'lit', v: BigInt(tok) };
    if (tok === 'nil') return { k: 'lit', v: null };
    if (tok === 'true' || tok === 'false') return { k: 'lit', v: tok === 'true' };
    if (tok === 'attributes' || tok === 'cache') {
      this.take('[');
      const key = JSON.parse(this.take()) as string;
      this.take(']');
      return { k: 'path', root: tok, key };
    }
    if (this.peek() === '(') {
      this.take('(');
      const args: Node[] = [];
      while (this.peek() !== ')') {
        args.push(this.or());
        if (this.peek() === ',') this.take(',');
      }
      this.take(')');
      return { k: 'call', name: tok, args };
    }
    throw new OttlError(`unknown token ${tok}`);
  }
}

interface Statement {
  target: Node & { k: 'path' };
  value: Node;
  where: Node | undefined;
}

export function parseStatement(src: string): Statement {
  const p = new Parser(tokenize(src));
  if (p.take() !== 'set') throw new OttlError('only set() is supported');
  p.take('(');
  const target = p.atom();
  if (target.k !== 'path') throw new OttlError('set needs a path');
  p.take(',');
  const value = p.or();
  p.take(')');
  let where: Node | undefined;
  if (p.peek() === 'where') {
    p.take();
    where = p.or();
  }
  if (p.peek() !== undefined) throw new OttlError(`trailing ${p.peek()}`);
  return { target, value, where };
}

function evaluate(n: Node, span: Span, cache: Record<string, Value>): Value {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'path': {
      const v = (n.root === 'cache' ? cache : span.attributes)[n.key];
      return v === undefined
        ? null
        : typeof v === 'number' && Number.isInteger(v) && n.root === 'attributes'
          ? BigInt(v)
          : v;
    }
    case 'call': {
      const args = n.args.map((a) => evaluate(a, span, cache));
      if (n.name === 'Double') {
        const a = args[0];
        if (typeof a === 'bigint') return Number(a);
        if (typeof a === 'number') return a;
        throw new OttlError('Double of a non-number');
      }
      if (n.name === 'IsMatch') {
        const [target, pattern] = args;
        if (typeof target !== 'string' || typeof pattern !== 'string')
          throw new OttlError('IsMatch needs strings');
        const ci = pattern.startsWith('(?i)');
        return new RegExp(ci ? pattern.slice(4) : pattern, ci ? 'i' : '').test(target);
      }
      throw new OttlError(`unknown function ${n.name}`);
    }
    case 'bin': {
      if (n.op === 'and') return evaluate(n.l, span, cache) === true && evaluate(n.r, span, cache) === true;
      if (n.op === 'or') return evaluate(n.l, span, cache) === true || evaluate(n.r, span, cache) === true;
      const l = evaluate(n.l, span, cache);
      const r = evaluate(n.r, span, cache);
      if (n.op === '==') return l === r;
      if (n.op === '!=') return l !== r;
      if (typeof l === 'bigint' && typeof r === 'bigint') {
        if (n.op === '+') return l + r;
        if (n.op === '-') return l - r;
        if (n.op === '*') return l * r;
        return l / r;
      }
      if (typeof l === 'number' && typeof r === 'number') {
        if (n.op === '+') return l + r;
        if (n.op === '-') return l - r;
        if (n.op === '*') return l * r;
        return l / r;
      }
      throw new OttlError(`${n.op} needs two ints or two floats`);
    }
  }
}

/** Runs `statements` on `span` (changing its attributes) as the transform processor would. */
export function runStatements(statements: readonly string[], span: Span): void {
  const cache: Record<string, Value> = {};
  for (const src of statements) {
    const s = parseStatement(src);
    try {
      if (s.where !== undefined && evaluate(s.where, span, cache) !== true) continue;
      const v = evaluate(s.value, span, cache);
      if (v === null) continue; // setting nil leaves the target as it is
      const out = typeof v === 'bigint' ? Number(v) : v;
      if (s.target.root === 'cache') cache[s.target.key] = v;
      else span.attributes[s.target.key] = out;
    } catch (e) {
      if (!(e instanceof OttlError)) throw e;
    }
  }
}
