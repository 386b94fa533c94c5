// SDK clients capture fetch (or the object that holds it) in their constructor with a plain
// assignment, `this.fetch = options.fetch ?? globalThis.fetch`. A setter of that name on the client
// class's prototype sees the assignment: it stores the instrumented value as the instance's own
// data property, so later reads cost nothing and instances made while patched keep their wrapper
// after unpatch (the wrapper passes calls through once tokenmeter is disabled). This covers the
// constructor, `withOptions()` copies and subclasses (AzureOpenAI) alike.

const ACCESSOR = Symbol.for('tokenmeter.instrumentation.accessor');

type Transform = (value: unknown, instance: object) => unknown;

interface MarkedSetter {
  (this: object, value: unknown): void;
  [ACCESSOR]?: true;
}

/** Install the setter for `property` on `proto`. Returns false when the property cannot be intercepted. */
export function interceptProperty(proto: object, property: string, transform: Transform): boolean {
  const existing = Object.getOwnPropertyDescriptor(proto, property);
  if (existing !== undefined) {
    if ((existing.set as MarkedSetter | undefined)?.[ACCESSOR]) return true; // already ours
    return false; // a real accessor or method of the SDK: leave it alone
  }
  const set: MarkedSetter = function (this: object, value: unknown): void {
    let stored = value;
    try {
      stored = transform(value, this);
    } catch {
      stored = value;
    }
    Object.defineProperty(this, property, {
      value: stored,
      writable: true,
      configurable: true,
      enumerable: true,
    });
  };
  set[ACCESSOR] = true;
  Object.defineProperty(proto, property, {
    configurable: true,
    enumerable: false,
    get: () => undefined,
    set,
  });
  return true;
}

/** Remove the setter installed by `interceptProperty` (instances keep their own property). */
export function restoreProperty(proto: object, property: string): void {
  const existing = Object.getOwnPropertyDescriptor(proto, property);
  if ((existing?.set as MarkedSetter | undefined)?.[ACCESSOR])
    delete (proto as Record<string, unknown>)[property];
}

/** The first constructor among `names` in the module (named export, `default`, or the module itself). */
export function findClass(
  module: unknown,
  ...names: string[]
): (new (...args: never[]) => object) | undefined {
  const m = module as Record<string, unknown> | undefined;
  if (m === undefined || m === null) return undefined;
  const d = m.default as Record<string, unknown> | undefined;
  for (const name of names) {
    const c = m[name] ?? (typeof d === 'object' || typeof d === 'function' ? d?.[name] : undefined);
    if (typeof c === 'function' && typeof c.prototype === 'object')
      return c as new (
        ...args: never[]
      ) => object;
  }
  return undefined;
}
