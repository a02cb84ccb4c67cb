/** inventory: how many copies of a book are in stock (HTTP, a leaf service). */
import { serve } from './lib/server.ts';

serve('inventory', async (_req, url) => {
  const m = /^\/stock\/([\w-]+)$/.exec(url.pathname);
  if (!m?.[1]) return { status: 404, body: { error: `no route ${url.pathname}` } };
  const id = m[1];
  const stock = [...id].reduce((a, c) => a + c.charCodeAt(0), 0) % 17;
  return { status: 200, body: { id, stock } };
});
