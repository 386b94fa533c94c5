// Values kept on objects made elsewhere (a Response, a body stream, its reader) without a property
// the app could see: class private fields, stamped on through a base constructor that returns the
// object it is given (a subclass's fields are then installed on that object). No property name,
// symbol or descriptor shows them, and they go with the object.
//
// Why not WeakMaps: an entry per short-lived object costs far more than the object itself. Measured
// (Node 20 and 26, objects dying young as bodies do): a WeakMap set and two gets ~1.1–2.2 µs per
// object, GC of the entry included, against ~0.05–0.09 µs for a private field; a CPU profile of a
// preloaded app put each body's WeakMap set at ~1.5 µs (bench/RESULTS.md, perf-stream's fourth pass).
//
// One class per kind of value, each written out: the accessors of classes made by one factory
// share their inline caches (one code site), which then see every slot's private name and every
// object shape and turn megamorphic: a read per body chunk measured +10 µs per 50-chunk stream on
// Node 26 that way.

/** Installs a subclass's private fields on `target` instead of on a new object. */
class Stamped {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point of the class (see above)
    return target;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Slot of a tapped Response: its tap state (tap-stream.ts). */
export class ResponseSlot extends Stamped {
  #value: unknown;
  private constructor(target: object, value: unknown) {
    super(target);
    this.#value = value;
  }
  /** The value kept on `target`, or undefined (none kept, or not an object). */
  static get<T>(target: unknown): T | undefined {
    return isObject(target) && #value in target ? ((target as ResponseSlot).#value as T) : undefined;
  }
  /** Keep `value` on `target` (an extensible object), replacing any value kept before. */
  static set<T>(target: object, value: T): void {
    if (#value in target) (target as ResponseSlot).#value = value;
    else new ResponseSlot(target, value);
  }
}

/** Slot of an observed body stream: its reads (stream-reads.ts). */
export class StreamSlot extends Stamped {
  #value: unknown;
  private constructor(target: object, value: unknown) {
    super(target);
    this.#value = value;
  }
  static get<T>(target: unknown): T | undefined {
    return isObject(target) && #value in target ? ((target as StreamSlot).#value as T) : undefined;
  }
  static set<T>(target: object, value: T): void {
    if (#value in target) (target as StreamSlot).#value = value;
    else new StreamSlot(target, value);
  }
}

/** Slot of a reader (or iterator) handed out for an observed stream: the reads it observes (stream-reads.ts). */
export class ReaderSlot extends Stamped {
  #value: unknown;
  private constructor(target: object, value: unknown) {
    super(target);
    this.#value = value;
  }
  static get<T>(target: unknown): T | undefined {
    return isObject(target) && #value in target ? ((target as ReaderSlot).#value as T) : undefined;
  }
  static set<T>(target: object, value: T): void {
    if (#value in target) (target as ReaderSlot).#value = value;
    else new ReaderSlot(target, value);
  }
}

/** Slot of an observed non-streamed Response: its observation (observe-body.ts). */
export class BodySlot extends Stamped {
  #value: unknown;
  private constructor(target: object, value: unknown) {
    super(target);
    this.#value = value;
  }
  static get<T>(target: unknown): T | undefined {
    return isObject(target) && #value in target ? ((target as BodySlot).#value as T) : undefined;
  }
  static set<T>(target: object, value: T): void {
    if (#value in target) (target as BodySlot).#value = value;
    else new BodySlot(target, value);
  }
}
