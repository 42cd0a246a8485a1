/** Deepest nesting of arrays and objects a native body may have (the body's own array or object is level 1). */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether the JSON text in `body` nests arrays and objects deeper than `max` levels, told by one
 * pass over the bytes before anything parses or walks it: mapping serialises the values it
 * stores recursively, and a few thousand levels would exhaust the stack. Brackets inside strings
 * do not count; a body that is not JSON at all is left for the parser to refuse.
 */
export function nestsDeeperThan(body: Uint8Array, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === QUOTE) {
      i = closingQuote(body, i);
      if (i === -1) return false;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** The index of the quote that ends the string opened at `open`, or -1. */
function closingQuote(body: Uint8Array, open: number): number {
  for (let i = body.indexOf(QUOTE, open + 1); i !== -1; i = body.indexOf(QUOTE, i + 1)) {
    let backslashes = 0;
    while (body[i - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return -1;
}
