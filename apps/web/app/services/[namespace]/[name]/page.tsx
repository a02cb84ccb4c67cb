// Service page: routes, backends, retries, timeouts, faults and authorization of one Service, and its policy editor.
import { ServiceView } from '../../../../components/service/service-view.tsx';

export default async function ServicePage({
  params,
}: {
  params: Promise<{ namespace: string; name: string }>;
}) {
  const { namespace, name } = await params;
  return <ServiceView namespace={decodeURIComponent(namespace)} name={decodeURIComponent(name)} />;
}
