/**
 * Transparent capture: the iptables redirection every platform installs in a meshed
 * pod's network namespace, in the shape of linkerd2-proxy-init. Inbound TCP (nat
 * PREROUTING) goes to the proxy's inbound port (4143), outbound TCP (nat OUTPUT) to its
 * outbound port (4140); the proxy's own traffic (its UID or GID), loopback and the skip
 * ports are left alone. Pure: it returns the iptables argument lists and an idempotent
 * POSIX shell script (what an init container or the local platform runs as root).
 */
import { z } from 'zod';
import { ErrorCode, MeshError } from './errors.ts';

/** The proxy's ports and identity as redirection targets (Linkerd's defaults). */
export const CAPTURE_INBOUND_PORT = 4143;
export const CAPTURE_OUTBOUND_PORT = 4140;
/** The UID the proxy runs as in an injected pod (Linkerd's 2102). */
export const CAPTURE_PROXY_UID = 2102;
/** The proxy's admin port and the identity/tap port never redirected inbound. */
export const CAPTURE_DEFAULT_INBOUND_SKIP = ['4190', '4191'];

/** Our chains in the nat table (Linkerd's PROXY_INIT_REDIRECT / PROXY_INIT_OUTPUT). */
export const CAPTURE_INBOUND_CHAIN = 'WEFT_INIT_REDIRECT';
export const CAPTURE_OUTBOUND_CHAIN = 'WEFT_INIT_OUTPUT';

/** iptables' multiport match takes at most 15 ports (a range counts twice). */
const MULTIPORT_LIMIT = 15;

const Port = z.number().int().min(1).max(65535);
/** A port (`"8080"`) or an inclusive range (`"9000-9100"`). */
export const PortSpec = z
  .string()
  .regex(/^\d{1,5}(-\d{1,5})?$/, 'must be a port or a range such as 9000-9100')
  .refine((s) => {
    const [lo, hi = lo] = s.split('-').map(Number) as [number, number?];
    return lo >= 1 && (hi as number) <= 65535 && lo <= (hi as number);
  }, 'must lie in 1-65535, low end first');

const Cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 169.254.0.0/16');

export const CaptureConfig = z
  .object({
    inboundPort: Port.default(CAPTURE_INBOUND_PORT),
    outboundPort: Port.default(CAPTURE_OUTBOUND_PORT),
    /** The proxy's UID: its connections are not redirected (Kubernetes). */
    proxyUid: z.number().int().nonnegative().optional(),
    /** The proxy's GID: the same, when the proxy shares the app's UID (the local platform). */
    proxyGid: z.number().int().nonnegative().optional(),
    /** Inbound destination ports left alone (the proxy's admin port, say). */
    inboundPortsToIgnore: z.array(PortSpec).default(CAPTURE_DEFAULT_INBOUND_SKIP),
    /** Outbound destination ports left alone (a database the proxy should not see, say). */
    outboundPortsToIgnore: z.array(PortSpec).default([]),
    /** Inbound source subnets left alone. */
    subnetsToIgnore: z.array(Cidr).default([]),
    /** The iptables binary (iptables-legacy where nf_tables is missing). */
    bin: z.string().min(1).default('iptables'),
  })
  .refine((c) => c.proxyUid !== undefined || c.proxyGid !== undefined, {
    message: 'proxyUid or proxyGid must be set, or the proxy would capture its own traffic',
    path: ['proxyUid'],
  })
  .refine((c) => c.proxyUid !== 0, {
    message:
      'proxyUid 0 would leave every root process uncaptured; run the proxy as its own user or give proxyGid',
    path: ['proxyUid'],
  });
export type CaptureConfig = z.infer<typeof CaptureConfig>;
export type CaptureConfigInput = z.input<typeof CaptureConfig>;

/** Validates a capture configuration; a `MeshError` names every bad field. */
export function parseCaptureConfig(input: unknown): CaptureConfig {
  const r = CaptureConfig.safeParse(input);
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new MeshError(ErrorCode.invalidInput, `invalid capture configuration: ${what}`);
  }
  return r.data;
}

function comment(text: string): string[] {
  return ['-m', 'comment', '--comment', `weft-init/${text}`];
}

/** Groups ports into multiport lists of at most 15 references each. */
function multiport(ports: string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let count = 0;
  for (const spec of ports) {
    const [lo, hi] = spec.split('-');
    const single = hi === undefined || hi === lo;
    const weight = single ? 1 : 2;
    if (count + weight > MULTIPORT_LIMIT) {
      groups.push(current);
      current = [];
      count = 0;
    }
    current.push(single ? (lo as string) : `${lo}:${hi}`);
    count += weight;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function ignorePorts(chain: string, ports: string[]): string[][] {
  return multiport(ports).map((g) => [
    '-t',
    'nat',
    '-A',
    chain,
    '-p',
    'tcp',
    '-m',
    'multiport',
    '--dports',
    g.join(','),
    '-j',
    'RETURN',
    ...comment(`ignore-port-${g.join(',')}`),
  ]);
}

/**
 * The rules appended to our two (fresh or flushed) chains, in order, as iptables argument
 * lists without the binary. The jumps from PREROUTING and OUTPUT are `jumpRules()`.
 */
export function chainRules(c: CaptureConfig): string[][] {
  const inbound: string[][] = [
    ...ignorePorts(CAPTURE_INBOUND_CHAIN, c.inboundPortsToIgnore),
    ...c.subnetsToIgnore.map((s) => [
      '-t',
      'nat',
      '-A',
      CAPTURE_INBOUND_CHAIN,
      '-p',
      'all',
      '-s',
      s,
      '-j',
      'RETURN',
      ...comment(`ignore-subnet-${s}`),
    ]),
    [
      '-t',
      'nat',
      '-A',
      CAPTURE_INBOUND_CHAIN,
      '-p',
      'tcp',
      '-j',
      'REDIRECT',
      '--to-port',
      String(c.inboundPort),
      ...comment('redirect-all-incoming-to-proxy-port'),
    ],
  ];
  const outbound: string[][] = [];
  if (c.proxyUid !== undefined)
    outbound.push([
      '-t',
      'nat',
      '-A',
      CAPTURE_OUTBOUND_CHAIN,
      '-m',
      'owner',
      '--uid-owner',
      String(c.proxyUid),
      '-j',
      'RETURN',
      ...comment('ignore-proxy-user-id'),
    ]);
  if (c.proxyGid !== undefined)
    outbound.push([
      '-t',
      'nat',
      '-A',
      CAPTURE_OUTBOUND_CHAIN,
      '-m',
      'owner',
      '--gid-owner',
      String(c.proxyGid),
      '-j',
      'RETURN',
      ...comment('ignore-proxy-group-id'),
    ]);
  outbound.push(
    ['-t', 'nat', '-A', CAPTURE_OUTBOUND_CHAIN, '-o', 'lo', '-j', 'RETURN', ...comment('ignore-loopback')],
    ...ignorePorts(CAPTURE_OUTBOUND_CHAIN, c.outboundPortsToIgnore),
    [
      '-t',
      'nat',
      '-A',
      CAPTURE_OUTBOUND_CHAIN,
      '-p',
      'tcp',
      '-j',
      'REDIRECT',
      '--to-port',
      String(c.outboundPort),
      ...comment('redirect-all-outgoing-to-proxy-port'),
    ],
  );
  return [...inbound, ...outbound];
}

/** The jumps into our chains (without `-A`/`-C`/`-D`: prefix the operation). */
export function jumpRules(): { chain: string; rule: string[] }[] {
  return [
    {
      chain: 'PREROUTING',
      rule: ['-j', CAPTURE_INBOUND_CHAIN, ...comment('install-weft-init-prerouting')],
    },
    { chain: 'OUTPUT', rule: ['-j', CAPTURE_OUTBOUND_CHAIN, ...comment('install-weft-init-output')] },
  ];
}

/** Quotes one word for a POSIX shell. */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:,=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * An idempotent POSIX shell script installing the redirection (run as root in the pod's
 * network namespace): our chains are created or flushed and refilled, and each jump is
 * added only when missing, so running it twice leaves one set of rules.
 */
export function redirectionScript(input: CaptureConfigInput): string {
  const c = parseCaptureConfig(input);
  const ipt = sh(c.bin);
  const lines = ['#!/bin/sh', '# weft-init: transparent capture for the Weft proxy', 'set -eu'];
  for (const chain of [CAPTURE_INBOUND_CHAIN, CAPTURE_OUTBOUND_CHAIN])
    lines.push(`${ipt} -t nat -N ${chain} 2>/dev/null || ${ipt} -t nat -F ${chain}`);
  for (const r of chainRules(c)) lines.push(`${ipt} ${r.map(sh).join(' ')}`);
  for (const j of jumpRules()) {
    const rule = j.rule.map(sh).join(' ');
    lines.push(`${ipt} -t nat -C ${j.chain} ${rule} 2>/dev/null || ${ipt} -t nat -A ${j.chain} ${rule}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A shell script removing what `redirectionScript` installed (missing pieces are fine). */
export function cleanupScript(bin = 'iptables'): string {
  const ipt = sh(bin);
  const lines = ['#!/bin/sh', '# weft-init: remove the transparent capture rules'];
  for (const j of jumpRules())
    lines.push(`${ipt} -t nat -D ${j.chain} ${j.rule.map(sh).join(' ')} 2>/dev/null || true`);
  for (const chain of [CAPTURE_INBOUND_CHAIN, CAPTURE_OUTBOUND_CHAIN])
    lines.push(
      `${ipt} -t nat -F ${chain} 2>/dev/null || true`,
      `${ipt} -t nat -X ${chain} 2>/dev/null || true`,
    );
  return `${lines.join('\n')}\n`;
}
