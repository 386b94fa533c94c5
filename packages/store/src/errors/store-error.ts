/** What went wrong with the store file, for callers that react differently to each. */
export type StoreErrorKind =
  /** The file or its directory cannot be written (read-only disk, permissions). */
  | 'readonly'
  /** The disk (or the file-size limit) is full. */
  | 'full'
  /** The file is not a SQLite database or is damaged. */
  | 'corrupt'
  /** The file was written by a newer tokenmeter whose schema this version does not know. */
  | 'newer_schema'
  /** The file needs a migration but was opened read-only. */
  | 'needs_migration'
  /** The file does not exist (read-only open), or the directory to create it in does not. */
  | 'missing'
  /** Another I/O failure. */
  | 'io'
  /**
   * A sum asked for (nano-USD, or a count) is beyond 2^53 - 1, more than a JavaScript number holds
   * exactly (about 9,007,199 USD): the query is refused, not rounded. Ask for a shorter period.
   */
  | 'out_of_range'
  /** Anything else (the message says what). */
  | 'other';

/**
 * A failure of the store file itself (open, migrate, read or write), with a message that names the
 * path, says what happened and what to do. `code` is the SQLite or system error code when there is one.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly kind: StoreErrorKind;
  readonly path: string;
  readonly code: string | undefined;

  constructor(
    kind: StoreErrorKind,
    path: string,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.path = path;
    this.code = options?.code;
  }
}
