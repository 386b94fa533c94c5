// @tokenmeter/pricing for a distro that configures or warms it up but should not load it at
// start-up: the copy this build's fetch path prices with. `require('@tokenmeter/pricing')` from the
// ES module build would give the CommonJS copy (another default pricer); requiring a module of this
// build that imports it gives the ES module one (require(esm)).
import { requireForCaller } from '@tokenmeter/config';
import type * as PricingEntry from './pricing-entry.js';

let pricing: typeof PricingEntry | undefined;
let requireHere: NodeJS.Require | undefined;

/**
 * The pricing functions the instrumentation's calls are priced with, loaded synchronously the first
 * time. Throws where this is the ES module build and Node has no require(esm) (before 20.19, 22.12).
 */
export function loadPricing(): typeof PricingEntry {
  if (pricing === undefined) {
    requireHere ??= requireForCaller();
    pricing = requireHere('./pricing-entry.js') as typeof PricingEntry;
  }
  return pricing;
}
