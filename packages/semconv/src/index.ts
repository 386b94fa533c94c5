export { ATTRIBUTION_BAGGAGE_KEYS } from './baggage.js';
export * from './generated/attributes.js';
export * from './generated/metrics.js';
export { modelLabel } from './labels.js';
