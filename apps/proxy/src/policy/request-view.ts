/**
 * What route matching reads from a request. The protocol drivers implement it on their
 * own per-request objects (HTTP/1 request state, HTTP/2 stream state), so matching needs
 * no copy of the request and no closure per request.
 */

export interface RequestView {
  /** Upper-case, as received. */
  readonly method: string;
  /** Origin-form with query (`/a/b?x=1`); for gRPC `/pkg.Service/Method`. */
  readonly path: string;
  /** The first value of a header, by its lower-case name; undefined when absent. */
  header(lowerName: string): string | undefined;
}
