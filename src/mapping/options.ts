/** What the OTLP and native entry points are told about bounds, costs and which errors to keep. */
import type { CostCalculator } from './cost.js';

/** Byte bounds of the stored text columns and of the attributes JSON. */
export interface TextLimits {
  maxTextBytes: number;
  maxAttributesBytes: number;
}

export interface RowOptions extends TextLimits {
  /** Fills `cost_usd` from the price table when a row reports tokens but no cost. */
  costs: CostCalculator;
}

export interface MappingOptions extends RowOptions {
  /** `genai`: error rows only for spans that also give a traces row. */
  errorsFrom: 'all' | 'genai';
}
