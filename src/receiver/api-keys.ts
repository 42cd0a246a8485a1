import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * oct's API keys, held as SHA-256 digests and compared in constant time: equal-length digests
 * hide a key's length, and every key is compared, so timing shows neither which key nor how
 * much of one matched. Keys never leave this class.
 */
export class ApiKeys {
  readonly #digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /** Whether any of the presented credentials is one of the keys. */
  accepts(presented: readonly string[]): boolean {
    let accepted = false;
    for (const candidate of presented.map(digest)) for (const key of this.#digests) accepted = timingSafeEqual(candidate, key) || accepted;
    return accepted;
  }
}

/** What a request presents as its key: the token of `Authorization: Bearer <token>` and the value of `x-api-key`. */
export function presentedKeys(authorization: string | undefined, apiKey: string | undefined): string[] {
  const bearer = /^bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  return [bearer, apiKey?.trim()].filter((k): k is string => k !== undefined && k !== '');
}
