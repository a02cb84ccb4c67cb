/** Discovery: the resolver port and its static and controller-stream sources. */
export { type DestinationOptions, DestinationResolver } from './destination.ts';
export { StaticResolver } from './static.ts';
export type { ResolveCallback, Resolver } from './types.ts';
