// The part every format's stream parser shares: the event, malformed and terminal counters, the
// parse-or-count of each event's JSON, the captured output text. A format gives only what is its
// own: which events it skips unparsed, what it reads from an event, and its result.
import type { ResponseInfo, StreamParser, StreamParserStats } from './types.js';
import { type Obj, obj, parseJson, type TextCapture } from './util.js';

/** What `observe` returns for an event that is not one the format knows (counted as malformed). */
export const MALFORMED = 'malformed';

/** How an event is handled before its data is parsed. */
export type Triage = 'terminal' | 'skip' | undefined;

export interface StreamParserParts {
  /**
   * Decide an event from its raw data: `terminal` (a closing marker such as `[DONE]`), `skip` (it
   * carries nothing the parser keeps: not parsed), or undefined to parse it.
   */
  triage?(data: string, event: string | undefined): Triage;
  /**
   * The event's JSON object read without JSON.parse (a format's common shape, read exactly as
   * JSON.parse reads it), or undefined to have it parsed.
   */
  read?(data: string): Obj | undefined;
  /** One event's JSON object. @returns true on the terminal event, MALFORMED when not an event of the format. */
  observe(body: Obj, event: string | undefined): boolean | typeof MALFORMED;
  /** What was seen so far. */
  result(): ResponseInfo;
}

/**
 * A stream parser around a format's parts. Counts every event; an event whose data is not a JSON
 * object (or that `observe` rejects) is counted as malformed and skipped. `onOutputText` takes text
 * that a byte-level reader found in an event it did not hand over (a plain content delta).
 */
export class ShellStreamParser implements StreamParser {
  events = 0;
  malformed = 0;
  terminal = false;

  constructor(
    private readonly parts: StreamParserParts,
    private readonly capture: TextCapture | undefined,
  ) {}

  onEvent(data: string, event?: string): boolean {
    this.events++;
    const triage = this.parts.triage?.(data, event);
    if (triage === 'skip') return false;
    if (triage === 'terminal') return this.observed(true);
    const body = this.parts.read?.(data) ?? obj(parseJson(data));
    return body === undefined ? this.countMalformed() : this.observed(this.parts.observe(body, event));
  }

  /** An event decoded elsewhere (Bedrock's event objects): counted like a parsed one. */
  observed(outcome: boolean | typeof MALFORMED): boolean {
    if (outcome === MALFORMED) return this.countMalformed();
    if (outcome) this.terminal = true;
    return outcome;
  }

  /** One more event that could not be read. */
  countMalformed(): false {
    this.malformed++;
    return false;
  }

  onOutputText(text: string, events = 1): void {
    this.events += events;
    this.capture?.add(text);
  }

  result(): ResponseInfo {
    return this.parts.result();
  }

  stats(): StreamParserStats {
    return { events: this.events, malformed: this.malformed, terminal: this.terminal };
  }

  outputText() {
    return this.capture?.snapshot();
  }
}
