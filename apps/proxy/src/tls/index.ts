/** mTLS between meshed proxies: the outbound connector, the inbound terminator, peer facts. */
export { readSni } from './client-hello.ts';
export { type CredentialSource, MtlsConnector, type MtlsConnectorOptions, type TlsLog } from './connector.ts';
export { type MeshTlsInfo, meshTls, rejectReason } from './peer.ts';
export { MtlsServer, type MtlsServerOptions } from './server.ts';
