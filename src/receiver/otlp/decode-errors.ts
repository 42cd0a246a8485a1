/** Thrown by a decoder for a body that is not a valid request; `message` says what and where. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Deepest AnyValue nesting either decoder accepts (an attribute's own value is level 1). */
export const MAX_VALUE_DEPTH = 64;

export function nestingTooDeep(): DecodeError {
  return new DecodeError(`attribute value nesting deeper than ${MAX_VALUE_DEPTH} levels`);
}

const STRINDEX_WARNING =
  'ignored string_value_strindex / key_strindex (profiles-only fields) in a trace or logs request; those values were treated as absent';

/** Records the strindex warning once per request. */
export function warnStrindex(warnings: string[]): void {
  if (!warnings.includes(STRINDEX_WARNING)) warnings.push(STRINDEX_WARNING);
}

/** protobufjs's own read errors ("index out of range: 12 + 4 > 10") in oct's words; the original is the `cause`. */
export function protobufProblem(err: unknown): DecodeError {
  const message = err instanceof Error ? err.message : String(err);
  const range = /^index out of range: (\d+) \+ (\d+) > (\d+)/.exec(message);
  const reason = range
    ? `a ${range[2]}-byte field at offset ${range[1]} runs past the end of its message`
    : message.startsWith('index out of range')
      ? 'a field runs past the end of its message'
      : message;
  return new DecodeError(`invalid protobuf: ${reason}`, { cause: err });
}
