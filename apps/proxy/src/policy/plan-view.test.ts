// The compiled plans as the request pipeline consumes them: through the view interfaces
// in stack/plan-view.ts. Fails to type-check if the plans drift from those interfaces.
import { InboundPolicy, OutboundPolicy } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { InboundPlanView, PlanView, RequestView } from '../stack/plan-view.ts';
import { compileInbound, compileOutbound } from './plan.ts';

const req = (path: string, headers: Record<string, string> = {}): RequestView => ({
  method: 'GET',
  path,
  header: (name) => headers[name],
});

describe('compiled plans through the pipeline views', () => {
  it('an OutboundPlan serves as a PlanView', () => {
    const view: PlanView = compileOutbound(
      OutboundPolicy.parse({
        revision: 9,
        authority: 'web.demo.svc.cluster.local:80',
        service: { namespace: 'demo', name: 'web', port: 80 },
        routes: [
          {
            source: { kind: 'HTTPRoute', namespace: 'demo', name: 'canary' },
            matches: [{ headers: [{ name: 'x-canary', type: 'Exact', value: '1' }] }],
            retry: { httpStatuses: [{ min: 500, max: 599 }], limit: 2 },
            backends: [
              {
                authority: 'web-v2.demo.svc.cluster.local:80',
                service: { namespace: 'demo', name: 'web-v2', port: 80 },
                weight: 1,
              },
            ],
          },
        ],
      }),
    );
    expect(view.revision).toBe(9);
    const route = view.match(req('/x', { 'x-canary': '1' }));
    expect(route?.retry?.retriesHttp(503)).toBe(true);
    expect(route?.retry?.limit).toBe(2);
    expect(route?.pickBackend(0.5)?.authority).toBe('web-v2.demo.svc.cluster.local:80');
    expect(view.match(req('/x'))).toBeUndefined();
  });

  it('an InboundPlan serves as an InboundPlanView', () => {
    const view: InboundPlanView = compileInbound(
      InboundPolicy.parse({
        revision: 4,
        workload: { namespace: 'demo', name: 'inventory' },
        port: 8080,
        rateLimit: {
          source: { kind: 'HTTPLocalRateLimitPolicy', namespace: 'demo', name: 'rl' },
          totalRps: 1,
        },
      }),
    );
    expect(view.rateLimiter?.admit('a', 1000)).toBe(0);
    expect(view.rateLimiter?.admit('a', 1000)).toBe(1);
  });
});
