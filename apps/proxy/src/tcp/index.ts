/** Opaque TCP: forwarding a connection the proxy cannot parse to a balanced endpoint. */
export { forwardTcp, type TcpForwardOptions } from './forward.ts';
export { createOpaqueServer, DEFAULT_TCP_OPTIONS } from './serve.ts';
