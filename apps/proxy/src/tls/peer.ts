/**
 * What a mesh TLS connection says about its peer: the identity in its certificate, the
 * ALPN protocol, and why a handshake was refused (the `reason` label of
 * `tls_rejected_total`). Terminated inbound sockets carry this on a symbol so the
 * stack's metrics can label `tls="true"` and `client_id`.
 */
import type { Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { TlsRejectReason } from '@weft/shared';

const kMeshTls = Symbol.for('weft.meshTls');

/** The mesh TLS facts of one connection. */
export interface MeshTlsInfo {
  /** The peer's mesh identity (the client's, inbound; the server's, outbound). */
  readonly peerIdentity: string;
  /** The negotiated ALPN protocol, or false when none was. */
  readonly alpn: string | false;
}

/** Marks `socket` as mesh TLS with `info`. */
export function setMeshTls(socket: Socket, info: MeshTlsInfo): void {
  (socket as Socket & { [kMeshTls]?: MeshTlsInfo })[kMeshTls] = info;
}

/** The mesh TLS facts of `socket`, or undefined when it is not a mesh TLS connection. */
export function meshTls(socket: Socket): MeshTlsInfo | undefined {
  return (socket as Socket & { [kMeshTls]?: MeshTlsInfo })[kMeshTls];
}

/** DNS names in a certificate's SAN. */
export function sanDnsNames(cert: PeerCertificate | undefined): string[] {
  const san = cert?.subjectaltname;
  if (!san) return [];
  const out: string[] = [];
  for (const part of san.split(', ')) if (part.startsWith('DNS:')) out.push(part.slice(4));
  return out;
}

/** Error code set on a peer certificate whose identity is not the expected one. */
export const IDENTITY_MISMATCH_CODE = 'ERR_WEFT_TLS_IDENTITY_MISMATCH';

/** Why a peer's certificate (or handshake) was refused, from Node's verification code. */
export function rejectReason(code: string | undefined): TlsRejectReason {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return TlsRejectReason.expired;
    case 'CERT_NOT_YET_VALID':
      return TlsRejectReason.notYetValid;
    case IDENTITY_MISMATCH_CODE:
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return TlsRejectReason.identityMismatch;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_UNTRUSTED':
    case 'INVALID_CA':
      return TlsRejectReason.untrustedCa;
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return TlsRejectReason.noCertificate;
    default:
      return TlsRejectReason.handshake;
  }
}
