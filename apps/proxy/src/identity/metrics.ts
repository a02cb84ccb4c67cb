/**
 * The identity and TLS counters of one proxy, rendered as Prometheus text for the admin
 * `/metrics`: `identity_cert_expiration_timestamp_seconds`, `identity_cert_refresh_total`
 * and `tls_rejected_total{direction,reason}`.
 */
import { IdentityMetricName, type TlsRejectReason } from '@weft/shared';

type Dir = 'inbound' | 'outbound';

export class IdentityMetrics {
  /** Unix seconds when the current certificate expires; 0 before the first one. */
  expiration = 0;
  refreshOk = 0;
  refreshFailure = 0;
  readonly #rejected = new Map<string, number>();

  /** Counts one refused TLS peer. */
  rejected(direction: Dir, reason: TlsRejectReason): void {
    const key = `direction="${direction}",reason="${reason}"`;
    this.#rejected.set(key, (this.#rejected.get(key) ?? 0) + 1);
  }

  /** How many peers were refused for `reason` in `direction`. */
  rejectedCount(direction: Dir, reason: TlsRejectReason): number {
    return this.#rejected.get(`direction="${direction}",reason="${reason}"`) ?? 0;
  }

  /** Every refused-peer count: direction, reason, count. */
  rejections(): { direction: Dir; reason: TlsRejectReason; count: number }[] {
    const out: { direction: Dir; reason: TlsRejectReason; count: number }[] = [];
    for (const [key, count] of this.#rejected) {
      const m = /^direction="(\w+)",reason="(\w+)"$/.exec(key);
      if (m) out.push({ direction: m[1] as Dir, reason: m[2] as TlsRejectReason, count });
    }
    return out;
  }

  /** Prometheus text exposition of these metrics (without the proxy's own labels). */
  render(): string {
    const n = IdentityMetricName;
    const lines = [
      `# HELP ${n.certExpiration} When the proxy's current certificate expires (unix seconds).`,
      `# TYPE ${n.certExpiration} gauge`,
      `${n.certExpiration} ${this.expiration}`,
      `# HELP ${n.certRefreshTotal} Certificate requests to the controller, by result.`,
      `# TYPE ${n.certRefreshTotal} counter`,
      `${n.certRefreshTotal}{result="ok"} ${this.refreshOk}`,
      `${n.certRefreshTotal}{result="failure"} ${this.refreshFailure}`,
      `# HELP ${n.tlsRejectedTotal} TLS peers refused, by direction and reason.`,
      `# TYPE ${n.tlsRejectedTotal} counter`,
    ];
    for (const [labels, v] of this.#rejected) lines.push(`${n.tlsRejectedTotal}{${labels}} ${v}`);
    return `${lines.join('\n')}\n`;
  }
}
