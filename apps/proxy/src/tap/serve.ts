/**
 * `GET /tap` on the admin port: a server-sent-event stream of the proxy's request events
 * (`event: tap`, one `TapEvent` as JSON per `data:` line), filtered by the query string
 * (`namespace`, `workload`, `toNamespace`, `toWorkload`, `method`, `pathPrefix`,
 * `authority`, `statusClass`, `maxRps`). Refused: a bad filter (400, naming the field),
 * past the concurrent-tap cap (503). A comment line every 15 s keeps idle streams open;
 * a reader too slow to take the events loses them (counted in the closing `event: end`)
 * rather than growing the proxy's memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type TapEvent, TapFilter } from '@weft/shared';
import type { TapHub } from './hub.ts';

const KEEPALIVE_MS = 15_000;
/** Bytes a tap may have waiting in its socket before further events are dropped. */
const MAX_BUFFERED = 1 << 20;

/** Parses the query string into a filter, or an error message naming the bad field. */
export function parseTapQuery(search: URLSearchParams): { filter: TapFilter } | { error: string } {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of search) raw[k] = k === 'maxRps' ? Number(v) : v;
  const parsed = TapFilter.safeParse(raw);
  if (parsed.success) return { filter: parsed.data };
  const issue = parsed.error.issues[0];
  const field =
    issue?.path.join('.') || (issue as { keys?: string[] } | undefined)?.keys?.join(', ') || 'query';
  return { error: `bad tap filter: ${field}: ${issue?.message ?? 'invalid'}` };
}

/** Serves one tap until the client goes away. */
export function serveTap(
  hub: TapHub,
  req: IncomingMessage,
  res: ServerResponse,
  search: URLSearchParams,
): void {
  const q = parseTapQuery(search);
  if ('error' in q) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`${q.error}\n`);
    return;
  }
  let overflow = 0;
  const sink = {
    send(event: TapEvent): void {
      if (res.writableLength > MAX_BUFFERED) {
        overflow++;
        return;
      }
      res.write(`event: tap\ndata: ${JSON.stringify(event)}\n\n`);
    },
  };
  const tap = hub.open(q.filter, sink);
  if (tap === undefined) {
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
    res.end(`too many taps: this proxy serves at most ${hub.maxTaps} at once\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write(': tap open\n\n');
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const done = (): void => {
    clearInterval(keepalive);
    hub.close(tap);
    if (!res.writableEnded && !res.destroyed) {
      res.end(`event: end\ndata: ${JSON.stringify({ dropped: tap.dropped + overflow })}\n\n`);
    }
  };
  req.socket.setTimeout(0);
  res.once('close', done);
}
