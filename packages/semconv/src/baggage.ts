import {
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USER_ID,
} from './generated/attributes.js';

/**
 * The W3C baggage keys read for attribution: the attribute names themselves, so a service that sets
 * `tokenmeter.feature=search` in baggage tags every LLM call downstream of it.
 */
export const ATTRIBUTION_BAGGAGE_KEYS = {
  feature: ATTR_TOKENMETER_FEATURE,
  user: ATTR_TOKENMETER_USER_ID,
  tenant: ATTR_TOKENMETER_TENANT_ID,
} as const;
