// The module hook the preload registers in Node's hooks thread (`module.register`: Node 20, older
// 22 and 24; src/esm-hook.ts registers it). It passes every resolution on until an import resolves
// to a module the instrumentation patches; then it loads import-in-the-middle's own hook (its module
// lexers, one of them WebAssembly, are what starting it costs) and hands it that resolution and every
// one after it. Until that first match import-in-the-middle's hook would have passed them on
// unchanged too: it wraps only listed modules and keeps no state before it wraps one.

/** @type {{ include: (string | RegExp)[], iitmHook: string }} */
let data;
/** @type {{ resolve: Function, load: Function } | undefined} */
let iitm;
/** @type {Promise<void> | undefined} */
let loading;

/** import-in-the-middle's own matcher for a list of bare names and regular expressions. */
function includes(url, specifier) {
  return data.include.some((each) =>
    each instanceof RegExp ? each.test(url) : each === specifier || each === url,
  );
}

export async function initialize(options) {
  data = options;
}

export async function resolve(specifier, context, nextResolve) {
  if (iitm) return iitm.resolve(specifier, context, nextResolve);
  const result = await nextResolve(specifier, context);
  if (!includes(result.url, specifier)) return result;
  loading ??= import(data.iitmHook).then(async (hook) => {
    await hook.initialize({ include: data.include });
    iitm = hook;
  });
  await loading;
  return iitm.resolve(specifier, context, nextResolve);
}

export async function load(url, context, nextLoad) {
  return iitm ? iitm.load(url, context, nextLoad) : nextLoad(url, context);
}
