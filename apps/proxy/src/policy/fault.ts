/**
 * HTTPFault, compiled once: abort a share of a route's requests with an HTTP status (or
 * a gRPC status for gRPC callers) and delay a share by a fixed time. The caller draws the
 * random numbers (one per decision), so tests can drive the shares exactly.
 *
 * Percentages are 0–100 and may be fractional: a draw `r` in [0, 1) is affected when
 * `r * 100 < percent`. An abort that names only a gRPC status answers HTTP callers with
 * the usual HTTP equivalent of that status, and one that names only an HTTP status
 * answers gRPC callers with the gRPC code the gRPC HTTP mapping gives; one naming
 * neither answers 500 (gRPC: UNKNOWN).
 */
import type { FaultPlan, PolicySource } from '@weft/shared';

/** gRPC status → HTTP status, as gRPC gateways commonly map them (index = gRPC code). */
const HTTP_OF_GRPC = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

/** HTTP status → gRPC status, per gRPC's "HTTP to gRPC status code mapping". */
export function grpcStatusOfHttp(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

export class CompiledFault {
  readonly source: PolicySource;
  private readonly abortPercent: number;
  private readonly httpStatus: number;
  private readonly grpcStatus: number;
  private readonly delayPercent: number;
  private readonly delay: number;

  constructor(plan: FaultPlan) {
    this.source = plan.source;
    const abort = plan.abort;
    this.abortPercent = abort ? abort.percent : 0;
    const http = abort?.httpStatus;
    const grpc = abort?.grpcStatus;
    this.httpStatus = http ?? (grpc !== undefined ? (HTTP_OF_GRPC[grpc] ?? 500) : 500);
    this.grpcStatus = grpc ?? grpcStatusOfHttp(this.httpStatus);
    this.delayPercent = plan.delay && plan.delay.ms > 0 ? plan.delay.percent : 0;
    this.delay = plan.delay ? plan.delay.ms : 0;
  }

  /** 0 when the request goes on, else the HTTP status to answer it with. */
  abortHttp(r: number): number {
    return r * 100 < this.abortPercent ? this.httpStatus : 0;
  }

  /** -1 when the call goes on, else the gRPC status to answer it with. */
  abortGrpc(r: number): number {
    return r * 100 < this.abortPercent ? this.grpcStatus : -1;
  }

  /** 0 when the request is not delayed, else the delay in ms. */
  delayMs(r: number): number {
    return r * 100 < this.delayPercent ? this.delay : 0;
  }
}
