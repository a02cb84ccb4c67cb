import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../manifests.ts';
import { podLaunch } from '../pod-launch.ts';
import type { PodRecord } from '../pod-record.ts';
import { IP, NODE_HOST_ADDRESS, netnsPodPool, netnsServicePool, PROXY_GID, podNamespace } from './layout.ts';

const container: ContainerSpec = {
  name: 'web',
  image: 'demo:1',
  command: ['node', 'src/web.ts'],
  env: [],
  ports: [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'admin', containerPort: 9990, protocol: 'TCP' },
  ],
};

function record(ip: string): PodRecord {
  const now = new Date().toISOString();
  return {
    namespace: 'demo',
    name: 'web-abc-12345',
    workload: 'web',
    ip,
    templateHash: 'h',
    meshed: true,
    createdAt: now,
    // in its own namespace the app keeps its declared ports
    ports: container.ports.map((p) => ({
      name: p.name as string,
      containerPort: p.containerPort,
      appPort: p.containerPort,
    })),
    app: null,
    proxy: null,
    restarts: 0,
    lastExit: null,
    startedAt: now,
    ready: false,
  };
}

const ctx = {
  workdir: '/srv/demo',
  proxyMain: '/repo/apps/proxy/dist/weft-proxy.mjs',
  repoRoot: '/repo',
  hostEnv: { PATH: '/usr/bin' },
  stopGraceMs: 1000,
  controllerUrl: () => `http://${NODE_HOST_ADDRESS}:7090`,
  services: () => [
    { namespace: 'demo', name: 'catalog', clusterIP: '169.254.101.1', ports: [{ port: 8080 }] },
  ],
  proxyEnvFor: undefined,
  capture: 'netns' as const,
};

describe('netns capture on the local platform', () => {
  it('hands out link-local pod and service addresses, never the host’s', () => {
    const pods = netnsPodPool();
    const seen = Array.from({ length: 253 }, () => pods.allocate());
    expect(seen[0]).toBe('169.254.100.1');
    expect(seen).not.toContain(NODE_HOST_ADDRESS);
    expect(() => pods.allocate()).toThrow(/no free address left in 169\.254\.100\.0/);
    expect(netnsServicePool().allocate()).toBe('169.254.101.1');
    expect(podNamespace('169.254.100.17')).toBe('weft-pod-100-17');
  });

  it('runs a meshed pod’s app with no proxy variables, inside its namespace', () => {
    const app = podLaunch(
      { namespace: 'demo', name: 'web', serviceAccount: 'web', container } as never,
      record('169.254.100.7'),
      ctx,
    ).app();
    expect(app.command).toBe(IP);
    expect(app.args.slice(0, 4)).toEqual(['netns', 'exec', 'weft-pod-100-7', process.execPath]);
    expect(Object.keys(app.env).filter((k) => /proxy/i.test(k))).toEqual([]);
    expect(app.env.PORT).toBe('8080');
    expect(app.env.CATALOG_SERVICE_HOST).toBe('169.254.101.1');
  });

  it('runs its proxy in the same namespace, as the skipped group, in transparent mode on 4143 and 4140', () => {
    const launch = podLaunch(
      { namespace: 'demo', name: 'web', serviceAccount: 'web', container } as never,
      record('169.254.100.7'),
      ctx,
    );
    const proxy = launch.proxy?.();
    expect(proxy?.gid).toBe(PROXY_GID);
    expect(proxy?.args.slice(0, 3)).toEqual(['netns', 'exec', 'weft-pod-100-7']);
    expect(proxy?.env).toMatchObject({
      WEFT_PROXY_CAPTURE: 'transparent',
      WEFT_PROXY_INBOUND_HOST: '0.0.0.0',
      WEFT_PROXY_INBOUND_PORTS: '4143:8080,4143:9990',
      WEFT_PROXY_APP_HOST: '169.254.100.7',
      WEFT_PROXY_OUTBOUND_LISTEN: '127.0.0.1:4140',
      WEFT_PROXY_ADMIN_LISTEN: '169.254.100.7:4191',
      WEFT_PROXY_CONTROLLER_URL: 'http://169.254.100.254:7090',
    });
  });
});
