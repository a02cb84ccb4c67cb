// The exchange's one timer: a deadline that fires early (the event loop's cached clock
// lags under load) must wait out the rest, never take the request timeout for an
// attempt timeout (which would retry the request with no deadline left).
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyErrorReason } from '../errors/respond.ts';
import { Exchange } from './exchange.ts';

class Probe extends Exchange {
  readonly events: string[] = [];
  header(): undefined {
    return undefined;
  }
  caller(): undefined {
    return undefined;
  }
  peerIdentity(): undefined {
    return undefined;
  }
  peerAddress(): undefined {
    return undefined;
  }
  dispatch(): void {
    this.events.push('dispatch');
  }
  fail(reason: ProxyErrorReason): void {
    this.events.push(`fail:${reason}`);
  }
  redirect(): void {}
  abortAttempt(): void {
    this.events.push('abort-attempt');
  }
  get gone(): boolean {
    return false;
  }
}

const probes: Probe[] = [];
afterEach(() => {
  for (const p of probes.splice(0)) p.clearTimer();
});

function probe(): Probe {
  const p = new Probe();
  probes.push(p);
  return p;
}

describe('exchange deadlines', () => {
  it('re-arms a request deadline that fired early instead of acting on it', () => {
    const ex = probe();
    ex.requestDeadline = performance.now() + 50;
    ex.armDeadline();
    ex.onTimer(); // as if the timer fired 50 ms early
    expect(ex.events).toEqual([]);
    expect(ex.timer).not.toBeNull();
  });

  it('answers request-timeout once the request deadline passed', async () => {
    const ex = probe();
    ex.requestDeadline = performance.now() + 20;
    ex.armDeadline();
    await new Promise((r) => setTimeout(r, 80));
    expect(ex.events).toEqual([`fail:${ProxyErrorReason.requestTimeout}`]);
  });

  it('drops an attempt whose own deadline passed, and fails when it may not retry', async () => {
    const ex = probe();
    ex.attemptDeadline = performance.now() + 20;
    ex.armDeadline();
    await new Promise((r) => setTimeout(r, 80));
    expect(ex.events).toEqual(['abort-attempt', `fail:${ProxyErrorReason.requestTimeout}`]);
  });
});
