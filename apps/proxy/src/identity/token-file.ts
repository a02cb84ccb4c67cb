/**
 * The proxy's workload token read from a file (`WEFT_PROXY_IDENTITY_TOKEN_FILE`): on
 * Kubernetes, the pod's projected service-account token, which kubelet rewrites before it
 * expires. The file is read at start and again at half the token's remaining lifetime
 * (at most every `maxWaitMs`), so a rotated token is picked up without a restart. A file
 * that cannot be read, or is empty, keeps the token held and is retried.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, MeshError } from '@weft/shared';

export interface FileWorkloadTokenOptions {
  log?: (line: string) => void;
  /** The longest wait between two reads (default one minute). */
  maxWaitMs?: number;
  /** The shortest wait between two reads (default one second). */
  minWaitMs?: number;
}

/** A token file larger than this is not a token. */
const MAX_TOKEN_BYTES = 64 * 1024;

/** When a JWT (`<header>.<claims>.<signature>`) expires, in ms since the epoch; undefined when unreadable. */
export function jwtExpiryMs(token: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a token file; throws a `MeshError` naming the file when it is missing, empty or too large. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MeshError(
      ErrorCode.unavailable,
      `token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (text.length > MAX_TOKEN_BYTES)
    throw new MeshError(ErrorCode.invalidInput, `token file ${path}: larger than ${MAX_TOKEN_BYTES} bytes`);
  const token = text.trim();
  if (token === '') throw new MeshError(ErrorCode.invalidInput, `token file ${path}: is empty`);
  return token;
}

export class FileWorkloadToken {
  #token: string;
  readonly #path: string;
  readonly #opts: FileWorkloadTokenOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  private constructor(path: string, token: string, opts: FileWorkloadTokenOptions) {
    this.#path = path;
    this.#token = token;
    this.#opts = opts;
  }

  /** Reads the file once; throws (a `MeshError`) when there is no token in it yet. */
  static async load(path: string, opts: FileWorkloadTokenOptions = {}): Promise<FileWorkloadToken> {
    return new FileWorkloadToken(path, await readTokenFile(path), opts);
  }

  /** The token to send now. */
  current(): string {
    return this.#token;
  }

  /** The `Authorization` header value for controller calls. */
  authorization(): string {
    return `Bearer ${this.#token}`;
  }

  /** Starts re-reading the file in the background. */
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
    const max = this.#opts.maxWaitMs ?? 60_000;
    const min = this.#opts.minWaitMs ?? 1000;
    const exp = jwtExpiryMs(this.#token);
    const half = exp === undefined ? max : (exp - Date.now()) / 2;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.reloadNow(), Math.min(max, Math.max(min, half)));
    this.#timer.unref();
  }

  /** Reads the file now; true when it held a different token. Never throws. */
  async reloadNow(): Promise<boolean> {
    try {
      const next = await readTokenFile(this.#path);
      const changed = next !== this.#token;
      this.#token = next;
      if (changed) {
        const exp = jwtExpiryMs(next);
        this.#opts.log?.(
          `workload token re-read from ${this.#path}${exp ? `, valid until ${new Date(exp).toISOString()}` : ''}`,
        );
      }
      return changed;
    } catch (err) {
      this.#opts.log?.(`workload token not re-read (kept the one held): ${(err as Error).message}`);
      return false;
    } finally {
      this.#schedule();
    }
  }
}
