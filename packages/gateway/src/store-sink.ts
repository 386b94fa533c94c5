// `--store PATH`: the priced calls of every service the gateway sees, written into one tokenmeter
// store so that `tokenmeter serve` shows a small fleet in one place. One batch writer per service
// name (the store keeps it per batch), up to MAX_SERVICES; the rest are written without one.
import type { CallRecord } from '@tokenmeter/instrumentation';
import { type BatchWriter, createBatchWriter } from '@tokenmeter/store';

const MAX_SERVICES = 64;

export interface StoreSink {
  write(record: CallRecord, service: string | undefined): void;
  /** Records the store refused (queue full or store unusable). */
  readonly dropped: number;
  close(): void;
}

export function openStoreSink(path: string, warn: (line: string) => void): StoreSink {
  const writers = new Map<string, BatchWriter>();
  let dropped = 0;
  const onError = (err: Error) =>
    warn(`tokenmeter gateway: the store ${path} cannot be written (${err.message}); calls are not stored`);
  const writerFor = (service: string | undefined): BatchWriter => {
    const key = service !== undefined && (writers.has(service) || writers.size < MAX_SERVICES) ? service : '';
    let w = writers.get(key);
    if (w === undefined) {
      w = createBatchWriter({ path, onError, ...(key !== '' ? { serviceName: key } : {}) });
      writers.set(key, w);
    }
    return w;
  };
  return {
    write(record, service) {
      if (!writerFor(service).write(record)) dropped++;
    },
    get dropped() {
      return dropped;
    },
    close() {
      for (const w of writers.values()) w.close();
      writers.clear();
    },
  };
}
