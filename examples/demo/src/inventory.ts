/**
 * inventory: how many copies of a book are in stock (HTTP, a leaf service). `VERSION`
 * (default `v1`) is echoed in every answer, so a traffic split shows which version served.
 */
import { serve } from './lib/server.ts';

const version = process.env.VERSION ?? 'v1';

serve('inventory', async (_req, url) => {
  const m = /^\/stock\/([\w-]+)$/.exec(url.pathname);
  if (!m?.[1]) return { status: 404, body: { error: `no route ${url.pathname}` } };
  const id = m[1];
  const stock = [...id].reduce((a, c) => a + c.charCodeAt(0), 0) % 17;
  return { status: 200, body: { id, stock, version } };
});
