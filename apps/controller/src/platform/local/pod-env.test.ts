import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from './manifests.ts';
import { appCommand, appEnv, hostWorkdir, podPorts, proxyEnv, serviceEnv } from './pod-env.ts';

const container: ContainerSpec = {
  name: 'web',
  image: 'demo:1',
  command: ['node', '--import', 'tsx'],
  args: ['src/web.ts'],
  env: [
    { name: 'MODE', value: 'fast' },
    { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ],
  ports: [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'admin', containerPort: 9990, protocol: 'TCP' },
  ],
};
const pod = {
  namespace: 'demo',
  name: 'web-abc-12345',
  workload: 'web',
  serviceAccount: 'web',
  ip: '127.10.0.7',
};
const services = [
  { namespace: 'demo', name: 'catalog', clusterIP: '127.20.0.1', ports: [{ name: 'http', port: 8080 }] },
  { namespace: 'other', name: 'catalog', clusterIP: '127.20.0.9', ports: [{ port: 1 }] },
  {
    namespace: 'reviews',
    name: 'star-ratings',
    clusterIP: '127.20.0.4',
    ports: [{ name: 'grpc', port: 9090 }],
  },
];

describe('pod environment', () => {
  it('keeps declared ports unmeshed and moves the app to private ports when meshed', () => {
    expect(podPorts(container, false).map((p) => p.appPort)).toEqual([8080, 9990]);
    expect(podPorts(container, true)).toEqual([
      { name: 'http', containerPort: 8080, appPort: 18080 },
      { name: 'admin', containerPort: 9990, appPort: 19990 },
    ]);
  });

  it("gives Kubernetes' service env, the pod's namespace winning a clash", () => {
    expect(serviceEnv(services, 'demo')).toEqual({
      CATALOG_SERVICE_HOST: '127.20.0.1',
      CATALOG_SERVICE_PORT: '8080',
      CATALOG_SERVICE_PORT_HTTP: '8080',
      STAR_RATINGS_SERVICE_HOST: '127.20.0.4',
      STAR_RATINGS_SERVICE_PORT: '9090',
      STAR_RATINGS_SERVICE_PORT_GRPC: '9090',
    });
  });

  it('builds the app env: container env, field refs, HOST/PORT, and the proxy only when meshed', () => {
    const host = { PATH: '/bin' };
    const plain = appEnv({
      container,
      pod,
      ports: podPorts(container, false),
      meshed: false,
      services,
      host,
    });
    expect(plain).toMatchObject({
      PATH: '/bin',
      MODE: 'fast',
      MY_IP: '127.10.0.7',
      HOST: '127.10.0.7',
      PORT: '8080',
    });
    expect(plain.HTTP_PROXY).toBeUndefined();
    const meshed = appEnv({ container, pod, ports: podPorts(container, true), meshed: true, services, host });
    expect(meshed).toMatchObject({
      PORT: '18080',
      HTTP_PROXY: 'http://127.10.0.7:4140',
      http_proxy: 'http://127.10.0.7:4140',
      grpc_proxy: 'http://127.10.0.7:4140',
    });
  });

  it('gives the proxy the env docs/interfaces.md names', () => {
    const env = proxyEnv({
      pod,
      ports: podPorts(container, true),
      controllerUrl: 'http://127.0.0.1:7090',
      host: {},
    });
    expect(env).toEqual({
      WEFT_PROXY_INBOUND_HOST: '127.10.0.7',
      WEFT_PROXY_INBOUND_PORTS: '8080:18080,9990:19990',
      WEFT_PROXY_APP_HOST: '127.10.0.7',
      WEFT_PROXY_OUTBOUND_LISTEN: '127.10.0.7:4140',
      WEFT_PROXY_ADMIN_LISTEN: '127.10.0.7:4191',
      WEFT_PROXY_CONTROLLER_URL: 'http://127.0.0.1:7090',
      WEFT_PROXY_NAMESPACE: 'demo',
      WEFT_PROXY_WORKLOAD: 'web',
      WEFT_PROXY_POD: 'web-abc-12345',
      WEFT_PROXY_SERVICE_ACCOUNT: 'web',
    });
  });

  it('with netns capture, the proxy takes every connection iptables sends it (4143 in, 4140 out) and its extra env', () => {
    const env = proxyEnv({
      pod,
      ports: podPorts(container, true),
      controllerUrl: 'http://127.0.0.1:7090',
      host: { PATH: '/bin' },
      extra: { WEFT_PROXY_IDENTITY_TOKEN_FILE: '/t' },
      capture: 'netns',
    });
    expect(env).toEqual({
      PATH: '/bin',
      WEFT_PROXY_CAPTURE: 'transparent',
      WEFT_PROXY_INBOUND_HOST: '0.0.0.0',
      WEFT_PROXY_INBOUND_PORTS: '4143:18080,4143:19990',
      WEFT_PROXY_APP_HOST: '127.10.0.7',
      WEFT_PROXY_OUTBOUND_LISTEN: '127.0.0.1:4140',
      WEFT_PROXY_ADMIN_LISTEN: '127.10.0.7:4191',
      WEFT_PROXY_CONTROLLER_URL: 'http://127.0.0.1:7090',
      WEFT_PROXY_NAMESPACE: 'demo',
      WEFT_PROXY_WORKLOAD: 'web',
      WEFT_PROXY_POD: 'web-abc-12345',
      WEFT_PROXY_SERVICE_ACCOUNT: 'web',
      WEFT_PROXY_IDENTITY_TOKEN_FILE: '/t',
    });
  });

  it('maps the image working directory and the command onto this machine', () => {
    expect(hostWorkdir(container, '/repo/examples/demo')).toBe('/repo/examples/demo');
    expect(hostWorkdir({ ...container, workingDir: '/app/sub' }, '/w')).toBe('/w/sub');
    expect(() => hostWorkdir({ ...container, workingDir: '/etc' }, '/w')).toThrow(/outside \/app/);
    expect(appCommand(container)).toEqual({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/web.ts'],
    });
    expect(() => appCommand({ ...container, command: undefined, args: undefined })).toThrow(
      /explicit command/,
    );
  });
});
