/** Loads the ratings gRPC service definition shared by its server and its client. */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('../../proto/ratings.proto', import.meta.url));

export interface RatingRequest {
  bookId: string;
}
export interface Rating {
  bookId: string;
  stars: number;
  votes: number;
}

type RatingsClient = grpc.Client & {
  Get(
    req: RatingRequest,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Rating) => void,
  ): void;
};

export function loadRatings(): {
  service: grpc.ServiceDefinition;
  Client: new (
    target: string,
    creds: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => RatingsClient;
} {
  const def = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    demo: { ratings: { Ratings: grpc.ServiceClientConstructor } };
  };
  const ctor = pkg.demo.ratings.Ratings;
  return {
    service: ctor.service,
    Client: ctor as unknown as new (
      target: string,
      creds: grpc.ChannelCredentials,
      options?: grpc.ChannelOptions,
    ) => RatingsClient,
  };
}
