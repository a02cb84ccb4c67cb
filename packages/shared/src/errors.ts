/**
 * The error type every part throws: a stable machine-readable code, a message that
 * names what is wrong, and the cause. Each app maps codes to responses in one place.
 */

const BRAND = Symbol.for('weft.MeshError');

/** Stable error codes. Add new ones here; never reuse a code for another meaning. */
export const ErrorCode = {
  invalidInput: 'WEFT_INVALID_INPUT',
  notFound: 'WEFT_NOT_FOUND',
  conflict: 'WEFT_CONFLICT',
  unavailable: 'WEFT_UNAVAILABLE',
  /** The part is starting (it has not read what it needs yet): nothing was done; try again shortly. */
  notReady: 'WEFT_NOT_READY',
  unauthenticated: 'WEFT_UNAUTHENTICATED',
  forbidden: 'WEFT_FORBIDDEN',
  timeout: 'WEFT_TIMEOUT',
  internal: 'WEFT_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class MeshError extends Error {
  readonly code: ErrorCode;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeshError';
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
