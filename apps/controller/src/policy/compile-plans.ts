/**
 * Compiles one revision of the policy documents, against the platform's Services,
 * workloads and endpoints, into what proxies are sent: outbound plans by Service port,
 * inbound plans by workload port, and the authorization compiler.
 */
import type { InboundPolicy, OutboundPolicy, PolicyDocument } from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import { AuthzCompiler, type AuthzSettings } from './compile-authz.ts';
import { compileInbound } from './compile-inbound.ts';
import { compileOutbound } from './compile-outbound.ts';

/** The plans a set of documents compiles to: outbound by Service port key, inbound by workload port key, and authorization. */
export interface CompiledPlans {
  revision: number;
  outbound: Map<string, OutboundPolicy>;
  inbound: Map<string, InboundPolicy>;
  authz: AuthzCompiler;
}

export function compilePlans(
  documents: readonly PolicyDocument[],
  revision: number,
  platform: Platform,
  authzSettings: AuthzSettings,
): CompiledPlans {
  const services = platform.listServices();
  return {
    revision,
    outbound: compileOutbound(documents, services, revision),
    inbound: compileInbound(
      documents,
      {
        services,
        workloads: platform.listWorkloads(),
        endpoints: (s) => platform.listEndpoints({ namespace: s.namespace, name: s.name }),
      },
      revision,
    ),
    authz: new AuthzCompiler(documents, services, authzSettings),
  };
}
