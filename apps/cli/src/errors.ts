/**
 * How `weft` fails: one line on stderr naming what went wrong (and the controller's error
 * code when it answered one), and a non-zero exit. Bad usage exits 2, everything else 1.
 */
import { TRPCClientError } from '@trpc/client';
import { CommanderError } from 'commander';

/** A failure the user can act on; `message` is what they read. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The controller could not be reached at all (refused, timed out, not HTTP). */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  const data = err.data as { httpStatus?: number } | undefined;
  return data?.httpStatus === undefined && err.shape === undefined;
}

/** One line saying what went wrong. */
export function describeError(err: unknown, controller?: string): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof TRPCClientError) {
    if (isUnreachable(err))
      return `cannot reach the controller at ${controller ?? 'its URL'}: ${causeOf(err)} (start it with \`npm start\`, or pass --controller URL)`;
    const data = err.data as { code?: string; meshCode?: string } | undefined;
    const code = data?.meshCode ?? data?.code;
    const hint =
      data?.code === 'UNAUTHORIZED'
        ? ' (pass --token, set WEFT_TOKEN, or point WEFT_STATE_DIR at the state directory holding auth/admin-token)'
        : '';
    return `${code ? `${code}: ` : ''}${err.message}${hint}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function causeOf(err: Error): string {
  const cause =
    (err.cause as { cause?: { code?: string; message?: string }; message?: string } | undefined) ?? {};
  return cause.cause?.code ?? cause.cause?.message ?? cause.message ?? err.message;
}

/** Prints the error to stderr and sets the exit code. */
export function exitWithError(err: unknown, controller?: string): void {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`weft: ${describeError(err, controller)}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
}
