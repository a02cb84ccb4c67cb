/** Test support: a client-node KubeConfig (or a kubeconfig file) pointed at a fake API server on loopback (plain http). */
import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export function fakeKubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'test', token: 'test' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'test' }],
    currentContext: 'fake',
  });
  return kc;
}

/** Writes a kubeconfig file for a fake API server at `url` (for controller processes' `KUBECONFIG`). */
export function writeFakeKubeconfig(path: string, url: string): string {
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: 'test' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'test' } }],
      'current-context': 'fake',
    }),
  );
  return path;
}
