/**
 * The error a policy plan fails to compile with (a regex that does not compile, say).
 * The controller validates documents before it streams them, so this signals a plan the
 * proxy cannot enforce; the caller keeps the previous plan and reports the message.
 */
import { ErrorCode, MeshError, type PolicySource, unsafeRegexReason } from '@weft/shared';

export class ProxyPolicyError extends MeshError {
  /** The document the bad entry came from, when known. */
  readonly source: PolicySource | undefined;
  /** Where in the plan, e.g. `routes[3].matches[0].path`. */
  readonly field: string;

  constructor(field: string, message: string, source?: PolicySource, options?: { cause?: unknown }) {
    const where = source ? `${source.kind} ${source.namespace}/${source.name}: ` : '';
    super(ErrorCode.invalidInput, `${where}${field}: ${message}`, options);
    this.name = 'ProxyPolicyError';
    this.source = source;
    this.field = field;
  }
}

/**
 * Compiles a pattern that must match a whole string (Gateway API `RegularExpression`).
 * Refuses one that does not compile and one whose nested repetitions could take
 * exponential time on a crafted request.
 */
export function compileFullMatch(pattern: string, field: string, source?: PolicySource): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new ProxyPolicyError(field, `invalid regular expression ${JSON.stringify(pattern)}`, source, {
      cause: err,
    });
  }
  const unsafe = unsafeRegexReason(pattern);
  if (unsafe !== undefined) {
    throw new ProxyPolicyError(
      field,
      `regular expression ${JSON.stringify(pattern)} refused: ${unsafe}`,
      source,
    );
  }
  return re;
}
