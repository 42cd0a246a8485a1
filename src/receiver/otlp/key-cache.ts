/**
 * Attribute keys repeat in every span and every request: each is decoded once, then found again by
 * its bytes, which also spares hashing a new string for every map it goes into. Short ASCII keys
 * only (anything else is decoded each time); a slot holds one key, the last one seen there.
 */
export class KeyCache {
  static readonly #MAX_LENGTH = 64;
  readonly #slots: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length === 0 || length > KeyCache.#MAX_LENGTH) return buf.toString('utf8', start, end);
    const slot = (length * 31 + buf[start] * 7 + buf[end - 1] * 3 + buf[start + (length >> 1)]) & 1023;
    const cached = this.#slots[slot];
    if (cached !== undefined && cached.length === length && sameAscii(cached, buf, start)) return cached;
    const key = buf.toString('utf8', start, end);
    if (isAscii(key, length)) this.#slots[slot] = key;
    return key;
  }
}

/** `text` (of `length` ASCII characters) equals the bytes at `start`. */
function sameAscii(text: string, buf: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

/** Decoded from `length` bytes, `text` is ASCII when every byte gave one character below 0x80. */
function isAscii(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}
