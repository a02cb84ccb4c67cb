// Health page: the checks `weft check` runs, in the same words.
import { HealthChecksView } from '../../components/health/health-checks-view.tsx';

export default function HealthPage() {
  return <HealthChecksView />;
}
