// @tokenmeter/pricing as this build of the instrumentation prices with: what a distro configures (a
// pricing file) and warms up. Loaded when first needed, through lazy-pricing.ts.
export { configurePricing, getDefaultPricer, loadPricingFile } from '@tokenmeter/pricing';
