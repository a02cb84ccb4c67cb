/**
 * The proxy's workload token: given by the platform at start
 * (`WEFT_PROXY_IDENTITY_TOKEN`), sent as `Authorization: Bearer` on every controller call
 * (`identity.certify`, `destination.get`, ...), and traded for a fresh one
 * (`identity.renewToken`) once half its lifetime has passed, since tokens expire. A failed
 * renewal is retried with backoff while the old token still holds.
 */
import { WorkloadTokenGrant } from '@weft/shared';
import { postJson } from './post-json.ts';

export interface WorkloadTokenOptions {
  controllerUrl: string;
  log?: (line: string) => void;
  requestTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Renewal never waits longer than this (Node timers overflow past 2^31-1 ms). */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** When a Weft token (`weft1.<claims>.<mac>`) expires, from its `exp` claim; undefined when unreadable. */
export function tokenExpiry(token: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

export class WorkloadToken {
  #token: string;
  readonly #opts: WorkloadTokenOptions;
  #timer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #stopped = true;

  constructor(initial: string, opts: WorkloadTokenOptions) {
    this.#token = initial;
    this.#opts = opts;
    this.#retryMs = opts.retryMinMs ?? 1000;
  }

  /** The token to send now. */
  current(): string {
    return this.#token;
  }

  /** The `Authorization` header value for controller calls. */
  authorization(): string {
    return `Bearer ${this.#token}`;
  }

  /** Starts renewing in the background. */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    const exp = tokenExpiry(this.#token);
    // Half the remaining lifetime (a token without `exp` is renewed in an hour).
    const wait = exp === undefined ? 3_600_000 : Math.max(0, (exp - Date.now()) / 2);
    this.#arm(wait);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.renewNow(), Math.min(ms, MAX_WAIT_MS));
    this.#timer.unref();
  }

  /** One renewal; true when a new token is held. Never throws. */
  async renewNow(): Promise<boolean> {
    const url = new URL('/trpc/identity.renewToken', this.#opts.controllerUrl);
    try {
      const res = await postJson(
        url,
        '{}',
        { authorization: this.authorization() },
        this.#opts.requestTimeoutMs ?? 5000,
      );
      const json = (res.json ?? {}) as { result?: { data?: unknown }; error?: { message?: string } };
      const grant = WorkloadTokenGrant.safeParse(json.result?.data);
      if (!res.ok || !grant.success)
        throw new Error(`HTTP ${res.status}: ${json.error?.message ?? 'malformed answer'}`);
      this.#token = grant.data.token;
      this.#retryMs = this.#opts.retryMinMs ?? 1000;
      this.#opts.log?.(`workload token renewed, valid until ${grant.data.expiresAt}`);
      this.#schedule();
      return true;
    } catch (err) {
      this.#opts.log?.(`workload token renewal failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!this.#stopped) this.#arm(this.#retryMs);
      this.#retryMs = Math.min(this.#opts.retryMaxMs ?? 60_000, this.#retryMs * 2);
      return false;
    }
  }
}
