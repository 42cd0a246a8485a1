/** What the OTLP and native entry points are told about bounds and which errors to keep. */

/** Byte bounds of the stored text columns and of the attributes JSON. */
export interface TextLimits {
  maxTextBytes: number;
  maxAttributesBytes: number;
}

export interface MappingOptions extends TextLimits {
  /** `genai`: error rows only for spans that also give a traces row. */
  errorsFrom: 'all' | 'genai';
}
