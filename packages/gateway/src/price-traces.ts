// One trace request body in, the priced body out (same encoding), with the calls it priced.

import type { Encoding } from './http/responses.js';
import { appendJsonAttributes, decodeJsonTraces } from './otlp/json-traces.js';
import { appendSpanAttributes, decodeProtobufTraces } from './otlp/protobuf-traces.js';
import type { PricedSpan, SpanPricer } from './span-pricer.js';

export interface PricedTraces {
  /** The body to forward: the input itself when no span was priced. */
  body: Uint8Array;
  spans: number;
  priced: PricedSpan[];
}

/** Throws MalformedPayloadError for a body that does not decode. */
export function priceTraces(body: Uint8Array, encoding: Encoding, pricer: SpanPricer): PricedTraces {
  if (encoding === 'protobuf') {
    const batch = decodeProtobufTraces(body);
    const priced = pricer.price(batch.spans);
    const out = appendSpanAttributes(
      body,
      priced.map((p) => ({ place: batch.places[p.index]!, attributes: p.attributes })),
    );
    return { body: out, spans: batch.spans.length, priced };
  }
  const batch = decodeJsonTraces(body);
  const priced = pricer.price(batch.spans);
  const out = appendJsonAttributes(
    batch,
    body,
    priced.map((p) => ({ place: batch.places[p.index]!, attributes: p.attributes })),
  );
  return { body: out, spans: batch.spans.length, priced };
}
