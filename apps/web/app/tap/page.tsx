// Tap page: live requests of the mesh's proxies, filtered by the query string.
import { TapFilter } from '@weft/shared';
import { TapView } from '../../components/tap/tap-view.tsx';

export default async function TapPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(await searchParams))
    if (typeof v === 'string' && v !== '' && k !== 'window') raw[k] = v;
  // A filter the page cannot read is dropped field by field rather than failing the page.
  const initial: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const one = TapFilter.safeParse({ [k]: k === 'maxRps' ? Number(v) : v });
    if (one.success) Object.assign(initial, one.data);
  }
  return <TapView initial={initial as TapFilter} />;
}
