// Workload page: charts, octopus view, edges and pods of one workload.
import { WorkloadView } from '../../../../components/workload/workload-view.tsx';

export default async function WorkloadPage({
  params,
}: {
  params: Promise<{ namespace: string; name: string }>;
}) {
  const { namespace, name } = await params;
  return <WorkloadView namespace={decodeURIComponent(namespace)} name={decodeURIComponent(name)} />;
}
