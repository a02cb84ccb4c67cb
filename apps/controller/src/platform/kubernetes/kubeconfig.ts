/**
 * Where the Kubernetes platform finds its cluster: the kubeconfig file `KUBECONFIG`
 * names, else the in-cluster service account (the controller running as a pod).
 */
import { KubeConfig } from '@kubernetes/client-node';

/** `inCluster`: the controller runs as a pod (`KUBERNETES_SERVICE_HOST` is set; env.ts reads it). */
export function loadKubeConfig(kubeconfigPath: string | undefined, inCluster: boolean): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) {
    kc.loadFromFile(kubeconfigPath);
    if (!kc.getCurrentCluster())
      throw new Error(`KUBECONFIG ${kubeconfigPath}: no current context with a cluster`);
  } else {
    if (!inCluster)
      throw new Error(
        'WEFT_PLATFORM=kubernetes needs KUBECONFIG, or running in a cluster (KUBERNETES_SERVICE_HOST is not set)',
      );
    kc.loadFromCluster();
  }
  return kc;
}
