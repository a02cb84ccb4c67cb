// Topology page: the whole mesh across namespaces.
import { TopologyView } from '../../components/topology/topology-view.tsx';

export default function TopologyPage() {
  return <TopologyView />;
}
