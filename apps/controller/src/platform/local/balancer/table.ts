/**
 * The routing table the controller hands to the service balancer (the kube-proxy
 * role): for every service virtual address and port, the ready backends. Written
 * atomically to the state directory; the balancer re-reads it on SIGHUP (when its
 * modification time changed).
 */
import { z } from 'zod';

export const Backend = z.object({ host: z.string(), port: z.number().int().min(1).max(65535) });
export type Backend = z.infer<typeof Backend>;

export const Listener = z.object({
  /** `namespace/name:port`, for logs. */
  service: z.string(),
  address: z.string(),
  port: z.number().int().min(1).max(65535),
  backends: z.array(Backend),
});
export type Listener = z.infer<typeof Listener>;

export const BalancerTable = z.object({
  version: z.number().int().nonnegative(),
  listeners: z.array(Listener),
});
export type BalancerTable = z.infer<typeof BalancerTable>;

/** State key (file `balancer-table.json`) of the table. */
export const TABLE_KEY = 'balancer-table';
