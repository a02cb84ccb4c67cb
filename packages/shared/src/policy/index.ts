/** Policy documents: Gateway API and Linkerd routes, Weft's rate limits and faults, Service annotations. */
export * from './annotations.ts';
export * from './authorization.ts';
export * from './document.ts';
export * from './duration.ts';
export * from './fault.ts';
export * from './grpc-route.ts';
export * from './http-route.ts';
export * from './meta.ts';
export * from './rate-limit.ts';
export * from './service-overlay.ts';
