// What start.ts needs of an exporter at the shutdown deadline, apart from the OTLP exporters
// themselves (otlp-exporters.ts, loaded only when first needed: lazy-exporter.ts).

/** An exporter that can end its exports in flight. */
export interface AbortableExporter {
  /** Ends the exports in flight (they would otherwise run to their timeout in the background). */
  abort(): void;
}

export function isAbortable<T extends object>(exporter: T): exporter is T & AbortableExporter {
  return typeof (exporter as Partial<AbortableExporter>).abort === 'function';
}
