/**
 * What every command's action gets: the API client, the output format and the controller's
 * URL, from the global options; and `action()`, which turns a failure into stderr and a
 * non-zero exit.
 */
import type { Command } from 'commander';
import { type Api, createApi } from './client.ts';
import { type Connection, type GlobalOptions, resolveConnection } from './config.ts';
import { exitWithError } from './errors.ts';
import { type OutputFormat, parseOutputFormat } from './output.ts';

export interface CommandContext {
  api: Api;
  conn: Connection;
  format: OutputFormat;
}

function contextOf(cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const conn = resolveConnection(opts);
  return { api: createApi(conn), conn, format: parseOutputFormat(opts.output) };
}

/** Wraps a command's action: builds the context, runs `fn`, reports its error. */
export function action<A extends unknown[]>(
  fn: (ctx: CommandContext, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    let controller: string | undefined;
    try {
      const ctx = contextOf(cmd);
      controller = ctx.conn.url;
      await fn(ctx, ...(args.slice(0, -1) as A));
    } catch (err) {
      exitWithError(err, controller);
    }
  };
}
