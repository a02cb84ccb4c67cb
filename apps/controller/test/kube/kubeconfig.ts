/** Test support: a client-node KubeConfig pointed at a fake API server on loopback (plain http). */
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
