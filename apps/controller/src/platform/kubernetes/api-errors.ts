/**
 * The API server's errors as the controller's: a `Status` 404 becomes `WEFT_NOT_FOUND`,
 * 409 `WEFT_CONFLICT`, 400/422 `WEFT_INVALID_INPUT`; anything else keeps its message.
 */
import { ApiException } from '@kubernetes/client-node';
import { ErrorCode, MeshError } from '@weft/shared';

function statusMessage(body: unknown): string | undefined {
  try {
    const parsed = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
    const message = (parsed as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** Rethrows `err` as a `MeshError` when the API server refused the request. */
export function fromApiError(err: unknown, what: string): never {
  if (err instanceof ApiException) {
    const message = `${what}: ${statusMessage(err.body) ?? `the API server answered ${err.code}`}`;
    if (err.code === 404) throw new MeshError(ErrorCode.notFound, message);
    if (err.code === 409) throw new MeshError(ErrorCode.conflict, message);
    if (err.code === 400 || err.code === 422) throw new MeshError(ErrorCode.invalidInput, message);
    throw new MeshError(ErrorCode.unavailable, message);
  }
  throw err;
}
