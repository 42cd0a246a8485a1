/**
 * A field error of an OTLP/JSON body on its way up: every enclosing list item or object prepends
 * its name to `path`, so the success path never builds a path string.
 */
export class FieldError extends Error {
  path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(reason);
    this.path = path;
    this.reason = reason;
  }
}

export function fail(key: string, reason: string): never {
  throw new FieldError(key, reason);
}

/** `err`, its path prefixed with `segment` when it is a FieldError. */
export function within(err: unknown, segment: string): unknown {
  if (err instanceof FieldError) err.path = err.path ? `${segment}.${err.path}` : segment;
  return err;
}
