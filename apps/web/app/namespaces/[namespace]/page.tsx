// Namespace page: its workloads, their metrics and the Mesh / Unmesh actions.
import { NamespaceView } from '../../../components/namespace/namespace-view.tsx';

export default async function NamespacePage({ params }: { params: Promise<{ namespace: string }> }) {
  const { namespace } = await params;
  return <NamespaceView namespace={decodeURIComponent(namespace)} />;
}
