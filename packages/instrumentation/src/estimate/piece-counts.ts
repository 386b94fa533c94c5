// A BPE tokenizer counts a text piece by piece: its split regex cuts the text into pieces (words with
// their leading space, numbers, punctuation runs, whitespace), and each piece is one token when the
// encoding's 200k-entry rank table holds it, else its byte-pair merges. Looking a piece up in that
// table costs a few cache misses per piece in an app that does other work between two counts: the
// largest single item of a stream counted locally (CPU profile of the preload, bench/RESULTS.md
// "Third pass"). Recent pieces' counts are kept in a small table instead, which stays in cache.
//
// Exact: a piece's count is the tokenizer's own count of that piece alone, used only when the split
// regex cuts the piece alone into that one piece (so the count is what the piece adds in any text);
// a piece that does not, or an empty piece, has the whole text counted the tokenizer's way. The
// piece-wise count is checked against the tokenizer's on a probe text at load (twice: cold and
// warm); on a mismatch the tokenizer's own count is used. Special tokens are text here (no special
// token is allowed), so the tokenizer splits the text by the regex alone.

type CountFn = (text: string) => number;

/** Pieces kept; the table is emptied when full (a burst of new words costs one table, not a leak). */
const MAX_PIECES = 4096;
/** Longer pieces (rarely repeated) are counted each time, not kept. */
const MAX_PIECE_CHARS = 32;
/** Below this share of pieces found kept (a running average over texts), texts are counted whole... */
const MIN_HIT_RATE = 0.8;
/** ...but for one in this many, counted by pieces (which updates the share). */
const PROBE_EVERY = 8;

/** Text the piece-wise count is checked on at load: every class of piece the split regexes know. */
const PROBE =
  "Hello, world! I'm   here;\tit's 12345 and 3.14\n\n  ok?\r\n<|endoftext|> naïve 東京 😀👍 ___ --- x  \n y";

/**
 * `count` (the tokenizer's own count of a text; never throws) made to count piece by piece with
 * recent pieces' counts kept; `count` itself when `split` (the tokenizer's split regex) is not a
 * global RegExp or the check at load fails.
 */
export function countingByPieces(count: CountFn, split: unknown): CountFn {
  if (!(split instanceof RegExp) || !split.global) return count;
  const pieces = new RegExp(split.source, split.flags);
  // The piece alone, matched whole from its start (sticky, not global).
  const alone = new RegExp(split.source, `${split.flags.replace('g', '')}y`);
  const kept = new Map<string, number>();
  // A piece not kept costs more than in the tokenizer's own pass (its count is a call of its own):
  // while few pieces are found kept (text of ids, hashes, new words), most texts are counted whole
  // and one in PROBE_EVERY by pieces, to notice when kept pieces come back.
  let hitRate = 1;
  let sinceProbe = 0;

  const byPieces = (text: string): number => {
    let total = 0;
    let hits = 0;
    let misses = 0;
    // All pieces in one native call (String#match of a global regex: the pieces as strings, no
    // match object per piece): half the time of an exec() loop over the same text on Node 20 and 26.
    const list = text.match(pieces);
    if (list === null) return 0;
    for (let i = 0; i < list.length; i++) {
      const piece = list[i]!;
      let n = kept.get(piece);
      if (n === undefined) {
        if (piece.length === 0) return count(text);
        alone.lastIndex = 0;
        if (alone.exec(piece)?.[0].length !== piece.length) return count(text);
        n = count(piece);
        misses++;
        if (piece.length <= MAX_PIECE_CHARS) {
          if (kept.size >= MAX_PIECES) kept.clear();
          kept.set(piece, n);
        }
      } else hits++;
      total += n;
    }
    if (hits + misses > 0) hitRate = 0.75 * hitRate + (0.25 * hits) / (hits + misses);
    return total;
  };

  const counting = (text: string): number => {
    if (hitRate < MIN_HIT_RATE && ++sinceProbe % PROBE_EVERY !== 0) return count(text);
    return byPieces(text);
  };

  const expected = count(PROBE);
  if (byPieces(PROBE) !== expected || byPieces(PROBE) !== expected) return count;
  kept.clear();
  hitRate = 1;
  return counting;
}
