import { expect } from 'vitest';

// vitest types its asymmetric matchers `any`; these stand in for the values they match.

export const matching = (pattern: RegExp | string): string => expect.stringMatching(pattern) as string;

export const anyNumber = expect.any(Number) as number;
