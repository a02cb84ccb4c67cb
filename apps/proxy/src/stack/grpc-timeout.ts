/**
 * The gRPC caller's deadline: the `grpc-timeout` request header (gRPC over HTTP/2:
 * 1 to 8 digits and a unit, `H` hours, `M` minutes, `S` seconds, `m` milliseconds,
 * `u` microseconds, `n` nanoseconds), read without allocating.
 */

/** The longest delay a Node timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The `grpc-timeout` value in milliseconds (rounded up, so that a deadline never falls
 * early), or -1 when the header is absent, malformed, or longer than a timer can wait
 * (such a deadline is as good as none).
 */
export function grpcTimeoutMs(value: string | undefined): number {
  if (value === undefined) return -1;
  const n = value.length;
  if (n < 2 || n > 9) return -1;
  let v = 0;
  for (let i = 0; i < n - 1; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  let ms: number;
  switch (value.charCodeAt(n - 1)) {
    case 72: // H
      ms = v * 3_600_000;
      break;
    case 77: // M
      ms = v * 60_000;
      break;
    case 83: // S
      ms = v * 1_000;
      break;
    case 109: // m
      ms = v;
      break;
    case 117: // u
      ms = Math.ceil(v / 1_000);
      break;
    case 110: // n
      ms = Math.ceil(v / 1_000_000);
      break;
    default:
      return -1;
  }
  return ms > MAX_TIMER_MS ? -1 : ms;
}
