/** @weft/shared: the domain model (zod schemas and inferred types) and pure helpers. */
export * from './api.ts';
export * from './api-metrics.ts';
export * from './auth.ts';
export * from './authz-plan.ts';
export * from './capture.ts';
export * from './errors.ts';
export * from './health.ts';
export * from './identity.ts';
export * from './labels.ts';
export * from './metrics.ts';
export * from './names.ts';
export * from './policy/index.ts';
export * from './policy-plan.ts';
export * from './proxy-config.ts';
export * from './quantile.ts';
export * from './regex-safety.ts';
export * from './workload.ts';
