/**
 * Test support for the fake Kubernetes API server: `Status` errors as the real server
 * sends them (`kind: Status`, `reason`, `code`, `details`), thrown by handlers and
 * written by the server.
 */

export class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export const notFound = (plural: string, name: string, group = '') =>
  new StatusError(404, 'NotFound', `${plural}${group ? `.${group}` : ''} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: plural,
  });

export const alreadyExists = (plural: string, name: string, group = '') =>
  new StatusError(409, 'AlreadyExists', `${plural}${group ? `.${group}` : ''} "${name}" already exists`, {
    name,
    ...(group ? { group } : {}),
    kind: plural,
  });

export const conflict = (plural: string, name: string, group = '') =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${plural}${group ? `.${group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(group ? { group } : {}), kind: plural },
  );

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

export const invalid = (kind: string, name: string, message: string) =>
  new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`, { name, kind });
