/**
 * The root router: one sub-router per resource. The web app imports only the type
 * (`import type { AppRouter } from '@weft/controller/router'`).
 */
import { authRouter } from './auth.ts';
import { canariesRouter } from './canaries.ts';
import { destinationRouter } from './destination.ts';
import { healthRouter } from './health.ts';
import { identityRouter } from './identity.ts';
import { metricsRouter } from './metrics.ts';
import { namespacesRouter } from './namespaces.ts';
import { podsRouter } from './pods.ts';
import { policiesRouter } from './policies.ts';
import { policyRouter } from './policy.ts';
import { servicesRouter } from './services.ts';
import { tapRouter } from './tap.ts';
import { topologyRouter } from './topology.ts';
import { createCallerFactory, router } from './trpc.ts';
import { workloadsRouter } from './workloads.ts';

export const appRouter = router({
  auth: authRouter,
  health: healthRouter,
  namespaces: namespacesRouter,
  workloads: workloadsRouter,
  pods: podsRouter,
  services: servicesRouter,
  destination: destinationRouter,
  identity: identityRouter,
  metrics: metricsRouter,
  topology: topologyRouter,
  policies: policiesRouter,
  policy: policyRouter,
  canaries: canariesRouter,
  tap: tapRouter,
});

/** The API's type, for clients. */
export type AppRouter = typeof appRouter;

/** In-process caller (tests, scripts): `createCaller(createContext(services))`. */
export const createCaller = createCallerFactory(appRouter);
