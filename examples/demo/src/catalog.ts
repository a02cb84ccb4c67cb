/** catalog: a book's details, with its stock from the inventory service (HTTP to HTTP). */
import { call, serviceAuthority } from './lib/http-client.ts';
import { downstreamFailure, serve } from './lib/server.ts';

const TITLES = ['Dune', 'Solaris', 'Neuromancer', 'Hyperion', 'Ubik', 'Foundation', 'Kindred', 'Contact'];
const inventory = serviceAuthority('inventory');

serve('catalog', async (_req, url) => {
  const m = /^\/books\/([\w-]+)$/.exec(url.pathname);
  if (!m?.[1]) return { status: 404, body: { error: `no route ${url.pathname}` } };
  const id = m[1];
  const stock = await call(inventory, `/stock/${id}`);
  if (stock.status !== 200) return downstreamFailure('inventory', stock.status, stock.headers);
  const title = TITLES[Number.parseInt(id.replace(/\D/g, '') || '0', 10) % TITLES.length];
  return { status: 200, body: { id, title, stock: (JSON.parse(stock.body) as { stock: number }).stock } };
});
