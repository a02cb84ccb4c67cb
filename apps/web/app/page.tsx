// Overview page: control-plane health and every namespace.
import { OverviewView } from '../components/overview/overview-view.tsx';

export default function OverviewPage() {
  return <OverviewView />;
}
