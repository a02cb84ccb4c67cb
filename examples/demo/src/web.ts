/**
 * web: the front end the traffic generator calls. A book page combines the catalog
 * (HTTP) and the ratings (gRPC) services.
 */
import * as grpc from '@grpc/grpc-js';
import { call, serviceAuthority } from './lib/http-client.ts';
import { INJECTED_HEADER } from './lib/knobs.ts';
import { loadRatings, type Rating } from './lib/ratings-proto.ts';
import { downstreamFailure, serve } from './lib/server.ts';

const catalog = serviceAuthority('catalog');
const { Client } = loadRatings();
// grpc-js reads grpc_proxy / http_proxy itself and tunnels with CONNECT when meshed.
// Short reconnect back-off: the L4 service address refuses while no ratings pod is ready.
const ratings = new Client(serviceAuthority('ratings'), grpc.credentials.createInsecure(), {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2000,
});

function rating(bookId: string): Promise<Rating> {
  return new Promise((resolve, reject) => {
    ratings.Get({ bookId }, { deadline: Date.now() + 3000 }, (err, res) =>
      err || !res ? reject(err) : resolve(res),
    );
  });
}

serve('web', async (_req, url) => {
  const m = /^\/book\/([\w-]+)$/.exec(url.pathname);
  if (url.pathname === '/') return { status: 200, body: { service: 'web', routes: ['/book/:id'] } };
  if (!m?.[1]) return { status: 404, body: { error: `no route ${url.pathname}` } };
  const id = m[1];
  const [book, stars] = await Promise.allSettled([call(catalog, `/books/${id}`), rating(id)]);
  if (book.status === 'rejected') throw new Error(`catalog: ${(book.reason as Error).message}`);
  if (book.value.status !== 200) return downstreamFailure('catalog', book.value.status, book.value.headers);
  if (stars.status === 'rejected') {
    const err = stars.reason as grpc.ServiceError;
    if (err.metadata?.get(INJECTED_HEADER).length) {
      return { status: 500, body: { error: 'ratings failed' }, headers: { [INJECTED_HEADER]: 'ratings' } };
    }
    throw new Error(`ratings: ${err.message}`);
  }
  return { status: 200, body: { book: JSON.parse(book.value.body), rating: stars.value } };
});
