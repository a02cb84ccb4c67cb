/**
 * Builds a tap event from a finished exchange. Called only while someone taps
 * (`TapHub.active`), so none of this runs, and nothing is allocated, when nobody listens.
 * Header values are copied only for `TAP_SAFE_HEADERS`; other headers by name only.
 */
import { TAP_SAFE_HEADERS, type TapAttempt, type TapEvent, type TapHeader } from '@weft/shared';
import type { ProxyErrorReason } from '../errors/respond.ts';
import type { Exchange } from '../stack/exchange.ts';
import type { TapHub } from './hub.ts';

const SAFE = new Set(TAP_SAFE_HEADERS);
/** Headers a proxy adds or strips for its own use: never shown. */
const MAX_HEADERS = 64;

/**
 * Records one attempt's outcome on the exchange (only while tapping). The first outcome
 * of an attempt counts: a driver may report the same attempt again while tearing it down.
 */
export function recordAttempt(
  ex: Exchange,
  status: number,
  grpcStatus: number | null,
  reason: ProxyErrorReason | null,
): void {
  const recorded = ex.tapAttempts === null ? 0 : ex.tapAttempts.length;
  if (recorded >= ex.attempts) return;
  const ep = ex.endpoint;
  const attempt: TapAttempt = {
    endpoint: ep === null ? null : `${ep.address}:${ep.port}`,
    pick: ex.tapPick,
    status,
    grpcStatus,
    error: reason,
  };
  ex.tapPick = null;
  if (ex.tapAttempts === null) ex.tapAttempts = [attempt];
  else if (ex.tapAttempts.length < 16) ex.tapAttempts.push(attempt);
}

function headersOf(ex: Exchange): TapHeader[] {
  const out: TapHeader[] = [];
  const names = ex.headerNames();
  for (let k = 0; k < names.length && out.length < MAX_HEADERS; k++) {
    const name = names[k] as string;
    if (name.startsWith(':')) continue;
    if (SAFE.has(name)) {
      const value = ex.header(name);
      out.push(value === undefined ? { name } : { name, value });
    } else out.push({ name });
  }
  return out;
}

/**
 * Inbound requests under an authorization policy: the decision `AuthorizeLayer` recorded
 * (with the rule that admitted the caller), else allowed or refused (403) without names.
 */
function authorizationOf(ex: Exchange, outbound: boolean): TapEvent['authorization'] {
  if (outbound || ex.target?.policy.inbound == null) return null;
  return ex.tapAuthz ?? { allowed: ex.failReason !== 'unauthorized', policy: null };
}

function routeName(ex: Exchange): string | null {
  const src = ex.route?.source;
  return src === undefined ? null : `${src.kind} ${src.namespace}/${src.name}`;
}

/** The event for a finished exchange, as `hub`'s proxy saw it. */
export function tapEvent(
  hub: TapHub,
  direction: 'outbound' | 'inbound',
  ex: Exchange,
  status: number,
  grpcStatus: number | null,
): TapEvent {
  const ep = ex.endpoint;
  const target = ex.target;
  const outbound = direction === 'outbound';
  let source: TapEvent['source'];
  let destination: TapEvent['destination'];
  if (outbound) {
    source = { namespace: hub.namespace, workload: hub.workload };
    destination = { namespace: ep?.meta.namespace ?? null, workload: ep?.meta.workload ?? null };
  } else {
    const src = ex.header('weft-src');
    const slash = src === undefined ? -1 : src.indexOf('/');
    source =
      src === undefined || slash < 0
        ? { namespace: null, workload: null }
        : { namespace: src.slice(0, slash), workload: src.slice(slash + 1) };
    destination = { namespace: hub.namespace, workload: hub.workload };
  }
  const attempts = ex.tapAttempts ?? [];
  // Both ends of the mTLS hop: the endpoint's identity (outbound to a meshed endpoint) or
  // the caller's proved one (inbound), and this proxy's own on the other side.
  const endpointId = outbound && ep?.meshed === true ? (ep.identity ?? null) : null;
  const peerId = outbound ? null : (ex.peerIdentity() ?? null);
  const route = ex.route;
  const whole = route === null ? undefined : (route.timeouts.requestMs ?? route.timeouts.responseMs);
  const faulted = ex.failReason === 'fault-injected';
  return {
    proxy: hub.proxyName,
    direction,
    at: Date.now(),
    source,
    destination,
    method: ex.method,
    authority: ex.header('host') ?? ex.header(':authority') ?? target?.authority ?? '',
    path: ex.path,
    status,
    grpcStatus,
    latencyMs: Math.round((performance.now() - ex.start) * 1000) / 1000,
    requestBytes: ex.bodyLength >= 0 ? ex.bodyLength : null,
    clientIdentity: outbound ? (endpointId === null ? null : hub.identity) : peerId,
    serverIdentity: outbound ? endpointId : peerId === null ? null : hub.identity,
    route: routeName(ex),
    routeRule: route?.rule ?? null,
    routeMatch: route?.matchedText?.(ex) ?? null,
    backend: ex.concrete?.authority ?? null,
    backendService:
      ex.backendRef === null
        ? null
        : `${ex.backendRef.namespace}/${ex.backendRef.name}:${ex.backendRef.port}`,
    endpoint: ep === null ? null : `${ep.address}:${ep.port}`,
    attempts,
    retries: Math.max(0, ex.attempts - 1),
    timeoutMs: whole ?? null,
    attemptTimeoutMs: ex.attemptTimeoutMs > 0 ? ex.attemptTimeoutMs : null,
    fault: faulted
      ? {
          status: ex.answerStatus !== 0 ? ex.answerStatus : null,
          grpcStatus: ex.answerGrpc >= 0 ? ex.answerGrpc : null,
        }
      : null,
    proxyError: ex.failReason,
    authorization: authorizationOf(ex, outbound),
    headers: headersOf(ex),
  };
}
