import { TokenmeterError } from './TokenmeterError.js';

/**
 * Price data in genai-prices' format that cannot be used: not an array of providers, a price that is
 * not a finite non-negative number, an unknown constraint. Names the provider and model.
 */
export class CatalogDataError extends TokenmeterError {}
