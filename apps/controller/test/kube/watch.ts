/**
 * Test support for the fake Kubernetes API server: one watch stream. Newline-delimited
 * JSON events (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`) from a
 * resourceVersion on: the current objects first when none is given, the retained
 * history after it, 410 Gone (`ERROR` with a `Status`) when it was compacted away.
 * Objects moving in or out of a label selector arrive as ADDED / DELETED.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from './patch.ts';
import type { ResourceType } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { KubeObject, ObjectStore, StoreEvent } from './store.ts';

export interface WatchRequest {
  type: ResourceType;
  resource: string;
  namespace: string | undefined;
  query: URLSearchParams;
  /** How often bookmarks are sent when the client allows them. */
  bookmarkMs: number;
  /** The server ends every watch after this long (the client re-watches). */
  maxWatchMs: number;
}

const labelsOf = (o: KubeObject) => (o.metadata.labels ?? {}) as Record<string, string>;

/** Serves one watch until the client leaves or the time limit. Throws on a bad selector before writing anything. */
export function serveWatch(
  store: ObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  w: WatchRequest,
): void {
  const labels = parseLabelSelector(w.query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(w.query.get('fieldSelector') ?? '');
  const matches = (o: KubeObject | undefined) =>
    !!o &&
    (w.namespace === undefined || o.metadata.namespace === w.namespace) &&
    labels(labelsOf(o)) &&
    fields(o.metadata);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = (type: string, object: JsonObject) => res.write(`${JSON.stringify({ type, object })}\n`);
  const deliver = (e: StoreEvent) => {
    const now = matches(e.object);
    const before = e.type === 'MODIFIED' ? matches(e.previous) : now;
    if (e.type === 'MODIFIED' && now !== before) send(now ? 'ADDED' : 'DELETED', e.object);
    else if (now) send(e.type, e.object);
  };

  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  const end = () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  req.on('close', end);
  res.on('error', end);

  const rv = w.query.get('resourceVersion') ?? '';
  if (rv === '' || rv === '0') {
    for (const o of store.list(w.resource, w.namespace)) if (matches(o)) send('ADDED', o);
  } else {
    const from = Number(rv);
    const history = Number.isInteger(from) ? store.since(w.resource, from) : 'gone';
    if (history === 'gone') {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rv} (${store.resourceVersion})`,
        reason: 'Expired',
        code: 410,
      });
      end();
      return;
    }
    for (const e of history) deliver(e);
  }
  unsubscribe = store.subscribe((e) => {
    if (e.resource === w.resource) deliver(e);
  });

  const seconds = Number(w.query.get('timeoutSeconds') ?? '');
  const limit =
    Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, w.maxWatchMs) : w.maxWatchMs;
  timers.push(setTimeout(end, limit));
  if (w.query.get('allowWatchBookmarks') === 'true') {
    const bookmark = () =>
      send('BOOKMARK', {
        kind: w.type.kind,
        apiVersion: w.type.group ? `${w.type.group}/${w.type.version}` : w.type.version,
        metadata: { resourceVersion: String(store.resourceVersion), creationTimestamp: null },
      });
    // clearTimeout stops an interval too.
    timers.push(setInterval(bookmark, w.bookmarkMs));
  }
}
