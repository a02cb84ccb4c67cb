/**
 * The response side of a `WirePair`: header blocks and the end of the endpoint's stream
 * of the attempt in flight. 1xx heads go to the client as they come (101 never); the
 * final head is checked against the route's retry policy (a retryable status, or a
 * trailers-only gRPC status, drops the attempt and replays the request), else forwarded
 * with the route's response filters, and the response body then relays with credit back
 * to the endpoint as it leaves for the client. Trailers end the client's stream.
 */

import { CANCEL, INTERNAL_ERROR } from '../../h2wire/errors.ts';
import { retriesGrpc, retriesStatus } from '../../stack/exchange.ts';
import { fieldOf, toFields, toObject } from './headers.ts';
import type { WirePair } from './pair.ts';
import type { WireStream } from './stream.ts';

/** A header block on the attempt's stream `up` (fields valid during the call only). */
export function upHeaders(pair: WirePair, up: WireStream, fields: string[], end: boolean): void {
  const down = pair.down;
  if (pair.upHead) {
    const grpc = fieldOf(fields, 'grpc-status');
    if (grpc !== undefined) pair.grpcStatus = Number(grpc);
    if (!down.closed) down.end(fields.slice());
    return;
  }
  const status = Number(fields[1]);
  if (status >= 100 && status < 200) {
    if (status !== 101 && !pair.responded && !down.closed) down.session.sendHeaders(down.id, fields, false);
    return;
  }
  pair.upHead = true;
  onResponse(pair, up, fields, status, end);
}

function onResponse(
  pair: WirePair,
  up: WireStream,
  fields: string[],
  status: number,
  trailersOnly: boolean,
): void {
  const down = pair.down;
  if (down.closed || pair.responded) {
    pair.settle(true);
    up.reset(CANCEL);
    return;
  }
  const grpc = fieldOf(fields, 'grpc-status');
  pair.attemptDone(status, grpc === undefined ? null : Number(grpc), null);
  const retry = pair.isGrpc
    ? trailersOnly && grpc !== undefined && retriesGrpc(pair, Number(grpc))
    : retriesStatus(pair, status);
  if (retry) {
    pair.abortAttempt();
    pair.again();
    return;
  }
  pair.settle(status < 500);
  pair.clearTimer();
  pair.latencyMs = performance.now() - pair.start;
  pair.responded = true;
  pair.status = status;
  if (grpc !== undefined) pair.grpcStatus = Number(grpc);
  const mods = pair.responseMods;
  if (mods === null) down.sendHeaders(fields, trailersOnly);
  else {
    const out = toObject(fields);
    mods.applyToObject(out);
    down.sendHeaders(toFields(out), trailersOnly);
  }
  if (!trailersOnly) down.creditTo = up;
}

/** The attempt's stream `up` closed: a failed attempt, or the end of a relayed response. */
export function upClosed(pair: WirePair, up: WireStream): void {
  pair.releaseSlot();
  const down = pair.down;
  if (down.closed) return;
  if (!pair.responded) {
    pair.attemptFailed(pair.error ?? new Error(`HTTP/2 stream reset by the endpoint (code ${up.rstCode})`));
    return;
  }
  // Reset with an error (or its connection lost) before the whole response came: never
  // let a truncated body look complete. A reset with NO_ERROR ends the response, as
  // node:http2 endpoints do once they wrote it all.
  if (up.failed) {
    if (!down.localEnded) down.reset(INTERNAL_ERROR);
  } else if (!up.remoteEnded) down.end(null);
}
