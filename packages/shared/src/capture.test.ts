import { describe, expect, it } from 'vitest';
import { chainRules, cleanupScript, parseCaptureConfig, redirectionScript } from './capture.ts';

describe('transparent capture rules', () => {
  it('redirects inbound to 4143 and outbound to 4140, skipping the proxy user, loopback and skip ports', () => {
    const rules = chainRules(
      parseCaptureConfig({ proxyUid: 2102, outboundPortsToIgnore: ['5432', '9000-9100'] }),
    ).map((r) => r.join(' '));
    expect(rules).toEqual([
      '-t nat -A WEFT_INIT_REDIRECT -p tcp -m multiport --dports 4190,4191 -j RETURN -m comment --comment weft-init/ignore-port-4190,4191',
      '-t nat -A WEFT_INIT_REDIRECT -p tcp -j REDIRECT --to-port 4143 -m comment --comment weft-init/redirect-all-incoming-to-proxy-port',
      '-t nat -A WEFT_INIT_OUTPUT -m owner --uid-owner 2102 -j RETURN -m comment --comment weft-init/ignore-proxy-user-id',
      '-t nat -A WEFT_INIT_OUTPUT -o lo -j RETURN -m comment --comment weft-init/ignore-loopback',
      '-t nat -A WEFT_INIT_OUTPUT -p tcp -m multiport --dports 5432,9000:9100 -j RETURN -m comment --comment weft-init/ignore-port-5432,9000:9100',
      '-t nat -A WEFT_INIT_OUTPUT -p tcp -j REDIRECT --to-port 4140 -m comment --comment weft-init/redirect-all-outgoing-to-proxy-port',
    ]);
  });

  it('splits skip ports into multiport groups of at most 15 references (a range counts twice)', () => {
    const ports = Array.from({ length: 14 }, (_, i) => String(1000 + i));
    const rules = chainRules(
      parseCaptureConfig({ proxyGid: 7, outboundPortsToIgnore: [...ports, '2000-2010'] }),
    );
    const groups = rules.filter((r) => r.includes('WEFT_INIT_OUTPUT') && r.includes('--dports'));
    expect(groups.map((r) => r[r.indexOf('--dports') + 1])).toEqual([ports.join(','), '2000:2010']);
  });

  it('refuses a configuration that would capture the proxy itself or names a bad port, saying which field', () => {
    expect(() => parseCaptureConfig({})).toThrow(/proxyUid: proxyUid or proxyGid must be set/);
    expect(() => parseCaptureConfig({ proxyUid: 0 })).toThrow(/proxyUid 0/);
    expect(() => parseCaptureConfig({ proxyGid: 1, inboundPortsToIgnore: ['70000'] })).toThrow(
      /inboundPortsToIgnore\.0: must lie in 1-65535/,
    );
    expect(() => parseCaptureConfig({ proxyGid: 1, outboundPortsToIgnore: ['22; rm -rf /'] })).toThrow(
      /outboundPortsToIgnore\.0/,
    );
    expect(() => parseCaptureConfig({ proxyGid: 1, subnetsToIgnore: ['10.0.0.0'] })).toThrow(
      /subnetsToIgnore\.0/,
    );
  });

  it('writes an idempotent script: chains created or flushed, each jump added only when missing', () => {
    const script = redirectionScript({ proxyGid: 2102, bin: 'iptables-legacy' });
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('set -eu');
    expect(script).toContain(
      'iptables-legacy -t nat -N WEFT_INIT_OUTPUT 2>/dev/null || iptables-legacy -t nat -F WEFT_INIT_OUTPUT',
    );
    expect(script).toMatch(
      /-t nat -C OUTPUT -j WEFT_INIT_OUTPUT .* \|\| iptables-legacy -t nat -A OUTPUT -j WEFT_INIT_OUTPUT/,
    );
    expect(script).toMatch(
      /-t nat -C PREROUTING -j WEFT_INIT_REDIRECT .* \|\| .* -A PREROUTING -j WEFT_INIT_REDIRECT/,
    );
    expect(cleanupScript()).toContain('iptables -t nat -X WEFT_INIT_REDIRECT');
  });
});
