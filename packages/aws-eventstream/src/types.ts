/** A header value, by the framing's value type (bool, byte, short, int, long, bytes, string, timestamp, uuid). */
export type EventStreamHeaderValue = string | number | boolean | Uint8Array | bigint;

/** One message of an event stream: its headers and its payload bytes. */
export interface EventStreamMessage {
  headers: Record<string, EventStreamHeaderValue>;
  payload: Buffer;
}

export interface AwsEventStreamDecoderOptions {
  /** Check both CRC-32s of every message (default false: TLS already protects the bytes). */
  verifyCrc?: boolean;
  /** Largest message accepted, in bytes. Default 16 MB. */
  maxFrameBytes?: number;
}
