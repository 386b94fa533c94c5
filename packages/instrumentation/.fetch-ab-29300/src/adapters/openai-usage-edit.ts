// What to remove from one OpenAI-format stream chunk so that the caller gets what the server sends
// without the `stream_options.include_usage` tokenmeter added. The chunk's top-level members are
// found by a structural scan (strings and nesting skipped, nothing re-serialised), either over the
// whole data text (`usageEdit`) or byte by byte as the chunk arrives (`UsageMemberScanner`, which
// lets the stream hand on the bytes that are certainly kept before the chunk has ended). Both scans
// record the same member positions and `decideUsageEdit` decides for both.
//
// The rule, over the last top-level `usage` and `choices` members (a repeated key: the last wins):
// - `"usage": null` (on every chunk with the option): cut the member.
// - a usage object on a chunk whose `choices` is `[]` (any whitespace) or absent, with no `error`
//   member: the chunk exists only because of the option: drop it whole.
// - a usage object on a chunk with choices (servers that attach it to the last content chunk): cut
//   the member; the stream parser has read it.
// - anything else (no usage, another value): keep the chunk as it is.
// A cut takes the member with the comma before it (`,"usage":null`), or, for the first member, with
// the comma and whitespace after it. Text that does not scan as an object is kept as it is.
import { skipString, skipValue, skipWs } from './json-scan.js';

/** Where one top-level member is, in the data text (string indices or byte offsets alike). */
export interface Member {
  first: boolean;
  /** Index just after the previous member's value (or after `{` for the first member). */
  prevEnd: number;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
  /** Index of the comma after the value, or -1 for the last member. */
  commaAfter: number;
  /** Index of the next member's key (after the comma and whitespace), or -1. */
  nextStart: number;
}

/** What the scan of one chunk found: the last `usage` and `choices` members, and whether `error` is one. */
export interface UsageShape {
  usage: Member | undefined;
  usageKind: 'null' | 'object' | 'other';
  /** `[]` (whitespace allowed), absent, or anything else. */
  choices: 'empty' | 'absent' | 'other';
  error: boolean;
}

/** The span [start, end) to remove, null to drop the chunk, undefined to keep it as it is. */
export type UsageEdit = { start: number; end: number } | null | undefined;

export function decideUsageEdit(shape: UsageShape): UsageEdit {
  const usage = shape.usage;
  if (usage === undefined) return undefined;
  if (shape.usageKind === 'object' && shape.choices !== 'other' && !shape.error) return null;
  if (shape.usageKind === 'null' || (shape.usageKind === 'object' && shape.choices === 'other')) {
    if (!usage.first) return { start: usage.prevEnd, end: usage.valueEnd };
    if (usage.commaAfter >= 0) return { start: usage.keyStart, end: usage.nextStart };
    return { start: usage.keyStart, end: usage.valueEnd };
  }
  return undefined;
}

/** The edit for one event's data text (see the module comment). */
export function usageEdit(data: string): UsageEdit {
  if (!data.includes('"usage"')) return undefined;
  const shape = scanText(data);
  return shape === undefined ? undefined : decideUsageEdit(shape);
}

/** The top-level shape of an object text, or undefined when it does not scan as one. */
function scanText(s: string): UsageShape | undefined {
  const shape: UsageShape = { usage: undefined, usageKind: 'other', choices: 'absent', error: false };
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== 123) return undefined;
  let prevEnd = i + 1;
  let first = true;
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === 125) return shape;
  let last: Member | undefined;
  while (i < s.length) {
    if (s.charCodeAt(i) !== 34) return undefined;
    if (last !== undefined) last.nextStart = i;
    const keyStart = i;
    const keyEnd = skipString(s, i);
    if (keyEnd < 0) return undefined;
    const key = s.slice(keyStart + 1, keyEnd - 1);
    i = skipWs(s, keyEnd);
    if (s.charCodeAt(i) !== 58) return undefined;
    const valueStart = skipWs(s, i + 1);
    const valueEnd = skipValue(s, valueStart);
    if (valueEnd < 0) return undefined;
    i = skipWs(s, valueEnd);
    const c = s.charCodeAt(i);
    const member: Member = {
      first,
      prevEnd,
      keyStart,
      valueStart,
      valueEnd,
      commaAfter: c === 44 ? i : -1,
      nextStart: -1,
    };
    first = false;
    last = member;
    if (key === 'usage') {
      shape.usage = member;
      const value = s.slice(valueStart, valueEnd);
      shape.usageKind = value === 'null' ? 'null' : value.charCodeAt(0) === 123 ? 'object' : 'other';
    } else if (key === 'choices') {
      const empty = s.charCodeAt(valueStart) === 91 && skipWs(s, valueStart + 1) === valueEnd - 1;
      shape.choices = empty ? 'empty' : 'other';
    } else if (key === 'error') shape.error = true;
    if (c === 125) return shape;
    if (c !== 44) return undefined;
    prevEnd = valueEnd;
    i = skipWs(s, i + 1);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The same scan, one byte at a time.

enum State {
  Start,
  ObjectOpen,
  Key,
  AfterKey,
  BeforeValue,
  StringValue,
  NestedValue,
  ScalarValue,
  AfterValue,
  AfterComma,
  Done,
  Failed,
}

const QUOTE = 34;
const BACKSLASH = 92;

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** `usage`, `choices`, `error` or another key, from its raw bytes (without quotes). */
type KeyKind = 'usage' | 'choices' | 'error' | 'other';
const KEYS: readonly [KeyKind, readonly number[]][] = [
  ['usage', [117, 115, 97, 103, 101]],
  ['choices', [99, 104, 111, 105, 99, 101, 115]],
  ['error', [101, 114, 114, 111, 114]],
];

/**
 * Scans one chunk's data as its bytes arrive (offsets counted from the data's first byte), with the
 * same structural rules as `usageEdit`, and says how much of it is certainly kept whatever follows.
 * Feed it the data bytes only (not the `data: ` prefix nor the line end).
 */
export class UsageMemberScanner {
  /** Offset of the next byte to scan. */
  offset = 0;
  private state = State.Start;
  private readonly shape: UsageShape = {
    usage: undefined,
    usageKind: 'other',
    choices: 'absent',
    error: false,
  };
  private first = true;
  private prevEnd = 0;
  private last: Member | undefined;
  // The member being read.
  private keyStart = 0;
  private keyBytes: number[] = [];
  private key: KeyKind = 'other';
  private valueStart = 0;
  private valueEnd = 0;
  /** The first byte of the value being read. */
  private opener = 0;
  private depth = 0;
  private escaped = false;
  private inString = false;
  /** The first bytes of a scalar value (enough to tell `null`). */
  private scalar = '';
  /** A `choices` array whose first byte after `[` is still to come. */
  private choicesPending = false;
  /** The chunk is not dropped whatever follows: choices that are not `[]`, or an error member. */
  private kept = false;
  /** Where the first usage member's cut may start: nothing from there on is handed on early. */
  private usageHold = -1;

  /** Scan `bytes[from, to)`, the data bytes at offsets `this.offset` on. */
  feed(bytes: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (this.state === State.Done || this.state === State.Failed) {
        this.offset += to - i;
        return;
      }
      this.step(bytes[i]!);
      this.offset++;
    }
  }

  /**
   * Data bytes [0, n) are kept as they are, whatever the rest of the chunk turns out to be; -1 when
   * the chunk may still be dropped whole (its line prefix with it).
   */
  releasable(): number {
    if (this.state === State.Failed) return this.offset; // not an object: kept as it is
    if (!this.kept) return -1;
    if (this.usageHold >= 0) return this.usageHold;
    switch (this.state) {
      case State.Key:
        return this.prevEnd; // the key may be "usage", whose cut starts at prevEnd
      case State.AfterValue:
      case State.AfterComma:
        return this.valueEnd; // the comma goes with a usage member that may follow
      default:
        return this.offset; // inside a member that is not usage, or after the object
    }
  }

  /** The data ended (its line end): the edit `usageEdit` makes of the same data, at the same offsets. */
  end(): UsageEdit {
    return this.state === State.Done ? decideUsageEdit(this.shape) : undefined;
  }

  private step(c: number): void {
    const at = this.offset;
    switch (this.state) {
      case State.Start:
        if (isWs(c)) return;
        if (c !== 123) {
          this.fail();
          return;
        }
        this.prevEnd = at + 1;
        this.state = State.ObjectOpen;
        return;
      case State.ObjectOpen:
        if (isWs(c)) return;
        if (c === 125) {
          this.state = State.Done;
          return;
        }
        this.startKey(c, at);
        return;
      case State.Key:
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.endKey();
          return;
        }
        if (this.keyBytes.length <= 8) this.keyBytes.push(c);
        return;
      case State.AfterKey:
        if (isWs(c)) return;
        if (c !== 58) {
          this.fail();
          return;
        }
        this.state = State.BeforeValue;
        return;
      case State.BeforeValue:
        if (isWs(c)) return;
        this.startValue(c, at);
        return;
      case State.StringValue:
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.endValue(at + 1);
        return;
      case State.NestedValue:
        this.nestedByte(c, at);
        return;
      case State.ScalarValue:
        this.scalarByte(c, at);
        return;
      case State.AfterValue:
        if (isWs(c)) return;
        if (c === 44) {
          this.last!.commaAfter = at;
          this.prevEnd = this.valueEnd;
          this.state = State.AfterComma;
          return;
        }
        if (c === 125) {
          this.state = State.Done;
          return;
        }
        this.fail();
        return;
      case State.AfterComma:
        if (isWs(c)) return;
        this.last!.nextStart = at;
        this.startKey(c, at);
        return;
    }
  }

  private startKey(c: number, at: number): void {
    if (c !== QUOTE) {
      this.fail();
      return;
    }
    this.keyStart = at;
    this.keyBytes = [];
    this.escaped = false;
    this.state = State.Key;
  }

  private endKey(): void {
    this.key = keyKind(this.keyBytes);
    if (this.key === 'usage' && this.usageHold < 0) this.usageHold = this.prevEnd;
    else if (this.key === 'error') {
      this.shape.error = true;
      this.kept = true;
    }
    this.state = State.AfterKey;
  }

  private startValue(c: number, at: number): void {
    this.valueStart = at;
    this.opener = c;
    this.scalar = '';
    if (this.key === 'choices') {
      this.shape.choices = 'other';
      this.choicesPending = c === 91;
      if (!this.choicesPending) this.kept = true;
    }
    if (c === QUOTE) {
      this.state = State.StringValue;
      return;
    }
    if (c === 123 || c === 91) {
      this.depth = 1;
      this.inString = false;
      this.state = State.NestedValue;
      return;
    }
    this.state = State.ScalarValue;
    this.scalarByte(c, at);
  }

  private nestedByte(c: number, at: number): void {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) this.inString = false;
      return;
    }
    if (this.choicesPending && !isWs(c)) {
      // The first byte after `[`: a closer makes it `[]`; anything else is an element.
      this.choicesPending = false;
      if (c === 93 || c === 125) this.shape.choices = 'empty';
      else this.kept = true;
    }
    if (c === QUOTE) this.inString = true;
    else if (c === 123 || c === 91) this.depth++;
    else if (c === 125 || c === 93) {
      this.depth--;
      if (this.depth === 0) this.endValue(at + 1);
    }
  }

  private scalarByte(c: number, at: number): void {
    if (c === 44 || c === 125 || c === 93 || isWs(c)) {
      this.endValue(at);
      this.step(c); // the delimiter belongs to what follows the value
      return;
    }
    if (this.scalar.length < 5) this.scalar += String.fromCharCode(c);
  }

  private endValue(end: number): void {
    this.valueEnd = end;
    const member: Member = {
      first: this.first,
      prevEnd: this.prevEnd,
      keyStart: this.keyStart,
      valueStart: this.valueStart,
      valueEnd: end,
      commaAfter: -1,
      nextStart: -1,
    };
    this.first = false;
    this.last = member;
    if (this.key === 'usage') {
      this.shape.usage = member;
      this.shape.usageKind =
        this.opener === 123
          ? 'object'
          : this.state === State.ScalarValue && this.scalar === 'null'
            ? 'null'
            : 'other';
    }
    this.state = State.AfterValue;
  }

  private fail(): void {
    this.state = State.Failed;
  }
}

function keyKind(bytes: readonly number[]): KeyKind {
  for (const [kind, pattern] of KEYS) {
    if (bytes.length === pattern.length && bytes.every((b, i) => b === pattern[i])) return kind;
  }
  return 'other';
}
