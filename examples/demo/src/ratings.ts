/** ratings: a book's star rating, served over gRPC. */
import * as grpc from '@grpc/grpc-js';
import { addedLatency, INJECTED_HEADER, readKnobs, shouldFail } from './lib/knobs.ts';
import { loadRatings, type Rating, type RatingRequest } from './lib/ratings-proto.ts';
import { listenAddress, onTerminate } from './lib/server.ts';

const knobs = readKnobs();
const { service } = loadRatings();
const server = new grpc.Server();

server.addService(service, {
  Get: async (call: grpc.ServerUnaryCall<RatingRequest, Rating>, cb: grpc.sendUnaryData<Rating>) => {
    await addedLatency(knobs);
    if (shouldFail(knobs)) {
      const md = new grpc.Metadata();
      md.set(INJECTED_HEADER, 'ratings');
      cb({ code: grpc.status.INTERNAL, details: 'ratings: injected failure', metadata: md });
      return;
    }
    const id = call.request.bookId;
    const seed = [...id].reduce((a, c) => a * 31 + c.charCodeAt(0), 7);
    cb(null, { bookId: id, stars: 1 + (Math.abs(seed) % 5), votes: Math.abs(seed) % 1000 });
  },
});

const { host, port } = listenAddress();
server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(`ratings: ${err.message}`);
    process.exit(1);
  }
  console.log(`ratings (gRPC) listening on ${host}:${port} (${JSON.stringify(knobs)})`);
});

onTerminate(
  () =>
    new Promise((resolve) => {
      console.log('ratings: SIGTERM, draining');
      server.tryShutdown(() => resolve());
    }),
);
