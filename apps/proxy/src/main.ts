/**
 * The proxy's entry point: `node --import tsx apps/proxy/src/main.ts [--config file.json]`
 * (or `npm run proxy -- --config file.json`). Validates the environment and the config
 * once, starts the stacks, and drains on SIGTERM/SIGINT or `/shutdown`, exiting 0.
 */
// First, before the rest loads: holds the young generation's size (young-gen.ts).
import './runtime/young-gen.ts';
import './runtime/zod-jitless.ts';
import { ProxyConfig } from '@weft/shared';
import { startProxy } from './app.ts';
import { loadConfigFile, settingsFrom } from './config/settings.ts';
import { type ProxyEnv, parseProxyEnv } from './env.ts';
import { setupIdentity } from './identity/setup.ts';
import { FileWorkloadToken } from './identity/token-file.ts';
import { WorkloadToken } from './identity/workload-token.ts';
import { releaseYoungGeneration } from './runtime/young-gen.ts';

function usage(): never {
  process.stderr.write('usage: main.ts [--config file.json]\n');
  process.exit(2);
}

function configArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config') {
      const v = argv[i + 1];
      if (v === undefined) usage();
      return v;
    }
    if (a.startsWith('--config=')) return a.slice('--config='.length);
    if (a === '--help' || a === '-h') usage();
  }
  return undefined;
}

/** The proxy's own label values, as on its traffic metrics. */
function ownLabels(env: ProxyEnv): Record<string, string> {
  const own: Record<string, string> = {};
  if (env.namespace) own.namespace = env.namespace;
  if (env.workload) own.deployment = env.workload;
  if (env.pod) own.pod = env.pod;
  return own;
}

async function main(): Promise<void> {
  // env.ts parses it; this is the one place the proxy hands process.env over
  const env = parseProxyEnv(process.env);
  const file = configArg(process.argv.slice(2)) ?? env.configFile;
  const config = file !== undefined ? loadConfigFile(file) : ProxyConfig.parse({});
  const settings = settingsFrom(env, config);
  const log = (line: string) => process.stderr.write(`weft-proxy: ${line}\n`);

  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    identity.stop();
    token?.stop();
    log(`${why}: draining (grace ${env.drainGraceMs} ms)`);
    proxy
      .drain(env.drainGraceMs)
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  // The workload token authenticates every controller call, and is renewed before it expires.
  // A token file (Kubernetes' projected token) is re-read as kubelet rotates it, not traded.
  const token = !env.controllerUrl
    ? undefined
    : env.identityTokenFile
      ? await FileWorkloadToken.load(env.identityTokenFile, { log })
      : env.identityToken
        ? new WorkloadToken(env.identityToken, { controllerUrl: env.controllerUrl, log })
        : undefined;
  const identity = await setupIdentity(env, log, token ? () => token.current() : undefined);
  const proxy = await startProxy(settings, {
    log,
    ...(token ? { authorization: () => token.authorization() } : {}),
    onShutdown: () => stop('shutdown requested'),
    handlers: identity.handlers,
    ready: identity.ready,
    tlsIdentity: identity.tlsIdentity,
    ...(identity.connector ? { connector: identity.connector } : {}),
    ...(identity.manager ? { identity: identity.manager.identity } : {}),
  });
  identity.register(proxy.metrics.registry, ownLabels(env));
  // Making the key and obtaining the certificate are start-up too: the young generation
  // is let grow once they are done (at once when identity is off).
  const started = identity.start();
  token?.start();
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const fmt = (h: { host: string; port: number }) => `${h.host}:${h.port}`;
  log(
    `ready: outbound ${fmt(proxy.outbound)}, inbound ${proxy.inbound
      .map((i) => `${fmt(i.address)}→${fmt(i.app)}`)
      .join(' ')}, admin ${fmt(proxy.admin)}`,
  );
  await started;
  releaseYoungGeneration();
}

// Nothing a peer sends may crash the proxy: report and keep serving.
process.on('uncaughtException', (err) => {
  process.stderr.write(`weft-proxy: uncaught: ${err.stack ?? String(err)}\n`);
});

main().catch((err: unknown) => {
  process.stderr.write(`weft-proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
