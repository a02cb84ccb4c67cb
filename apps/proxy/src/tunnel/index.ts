/** CONNECT tunnels and HTTP/1.1 Upgrade, and the composition of every non-HTTP/1 protocol server. */
export { serveConnect } from './connect.ts';
export { createProtocolServers, type ProtocolServers, type ProtocolServersOptions } from './handlers.ts';
export { createUpgradeServer, upgradeHead } from './upgrade.ts';
