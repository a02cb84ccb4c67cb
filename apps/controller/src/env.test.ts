import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, loadEnv } from './env.ts';

describe('loadEnv', () => {
  it('has defaults for everything and resolves paths against the working directory', () => {
    const env = loadEnv({}, '/repo');
    expect(env.api).toEqual({ host: '127.0.0.1', port: 7090 });
    expect(env.stateDir).toBe('/repo/.weft');
    expect(env.manifestsDir).toBe('/repo/examples/demo/manifests');
    expect(env.workdir).toBe('/repo/examples/demo');
    expect([env.podOctet, env.serviceOctet]).toEqual([0, 0]);
  });

  it('reads the local platform settings', () => {
    const env = loadEnv(
      {
        WEFT_API_ADDR: '127.0.0.1:0',
        WEFT_LOCAL_POD_OCTET: '40',
        WEFT_LOCAL_MANIFESTS: '/m/x',
        WEFT_STATE_DIR: 's',
      },
      '/repo',
    );
    expect(env.api.port).toBe(0);
    expect([env.podOctet, env.serviceOctet]).toEqual([40, 40]);
    expect([env.manifestsDir, env.workdir, env.stateDir]).toEqual(['/m/x', '/m', '/repo/s']);
  });

  it('reads the cluster networks of the cluster-* default policies, and names a bad CIDR', () => {
    expect(loadEnv({}, '/repo').clusterNetworks).toContain('127.0.0.0/8');
    expect(loadEnv({ WEFT_CLUSTER_NETWORKS: '10.0.0.0/8, fd00::/8' }, '/repo').clusterNetworks).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    expect(() => loadEnv({ WEFT_CLUSTER_NETWORKS: '10.0.0.0/8,10.1.0.0/33' }, '/repo')).toThrow(
      /WEFT_CLUSTER_NETWORKS: "10\.1\.0\.0\/33" is not a CIDR/,
    );
    expect(() => loadEnv({ WEFT_CLUSTER_NETWORKS: ' , ' }, '/repo')).toThrow(/WEFT_CLUSTER_NETWORKS/);
  });

  it('reads how many workloads roll out at once, and refuses a value below 1 naming the variable', () => {
    expect(loadEnv({}, '/repo').maxRollouts).toBeUndefined();
    expect(loadEnv({ WEFT_LOCAL_MAX_ROLLOUTS: '6' }, '/repo').maxRollouts).toBe(6);
    expect(() => loadEnv({ WEFT_LOCAL_MAX_ROLLOUTS: '0' }, '/repo')).toThrow(/WEFT_LOCAL_MAX_ROLLOUTS/);
  });

  it('picks the Kubernetes platform with its kubeconfig, and refuses an unknown platform', () => {
    const env = loadEnv({ WEFT_PLATFORM: 'kubernetes', KUBECONFIG: 'k/config' }, '/repo');
    expect([env.platform, env.kubeconfig]).toEqual(['kubernetes', '/repo/k/config']);
    expect(loadEnv({}, '/repo').kubeconfig).toBeUndefined();
    expect(() => loadEnv({ WEFT_PLATFORM: 'nomad' })).toThrow(/WEFT_PLATFORM/);
  });

  it('passes only a few host variables on to the processes it runs', () => {
    const env = loadEnv({
      PATH: '/bin',
      HOME: '/root',
      AWS_SECRET_ACCESS_KEY: 'x',
      WEFT_API_ADDR: '127.0.0.1:1',
    });
    expect(env.hostEnv).toEqual({ PATH: '/bin', HOME: '/root' });
  });

  it('turns auth on by default, and allows WEFT_AUTH=off only on loopback', () => {
    expect(loadEnv({}, '/repo').auth).toMatchObject({ enabled: true, allowedHosts: [] });
    expect(loadEnv({ WEFT_AUTH: 'off', WEFT_API_ADDR: '127.0.0.1:7090' }, '/repo').auth.enabled).toBe(false);
    expect(() => loadEnv({ WEFT_AUTH: 'off', WEFT_API_ADDR: '0.0.0.0:7090' }, '/repo')).toThrow(
      /WEFT_AUTH=off is allowed only on loopback, but WEFT_API_ADDR is 0\.0\.0\.0:7090/,
    );
    expect(() => loadEnv({ WEFT_AUTH: 'maybe' }, '/repo')).toThrow(/WEFT_AUTH/);
    expect(loadEnv({ WEFT_API_ALLOWED_HOSTS: 'Weft.example.com,mesh' }, '/repo').auth.allowedHosts).toEqual([
      'weft.example.com',
      'mesh',
    ]);
  });

  it('names every bad variable', () => {
    expect(() => loadEnv({ WEFT_API_ADDR: 'nope', WEFT_LOCAL_POD_OCTET: '300' })).toThrow(
      /WEFT_API_ADDR: must be host:port[\s\S]*WEFT_LOCAL_POD_OCTET/,
    );
  });
});

describe('docs/interfaces.md', () => {
  it('lists every variable the controller reads', () => {
    const docs = readFileSync(new URL('../../../docs/interfaces.md', import.meta.url), 'utf8');
    const missing = Object.values(ENV).filter((name) => !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
