/** Protocol detection and the hand-off contract to the protocol servers. */
export { detectProtocol, dispatch, type ServeHttp1 } from './detect.ts';
export type { ConnTarget, Http1Head, ProtocolHandlers, ProxyContext } from './handoff.ts';
export { H2_PREFACE, Protocol, SNIFF_MAX, sniff } from './protocol.ts';
