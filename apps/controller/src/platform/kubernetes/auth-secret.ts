/**
 * The sign-in state shared by the controller replicas, kept in the `weft-auth` Secret
 * (labelled `weft.dev/auth`) in the controller's namespace: a Secret, not a ConfigMap,
 * since it holds credentials (the admin token, password hashes, session digests). Keys:
 * `admin-token`, `users.json`, `sessions.json`, `login-codes.json`. Every replica
 * watches it; any replica writes it, read-modify-write on the resourceVersion it read:
 * a 409 (another replica wrote first) reads again and reapplies the change, at most
 * `MAX_ATTEMPTS` times. A document over `MAX_AUTH_BYTES` is refused, naming the Secret.
 */
import { CoreV1Api, type KubeConfig, makeInformer, type V1Secret } from '@kubernetes/client-node';
import { ErrorCode, MeshError } from '@weft/shared';
import {
  type AuthChange,
  AuthDocument,
  EMPTY_AUTH_DOCUMENT,
  type SharedAuthDocument,
} from '../../auth/shared-auth.ts';
import { fromApiError } from './api-errors.ts';

export const AUTH_SECRET = 'weft-auth';
export const AUTH_LABEL = 'weft.dev/auth';
/** Room for the Secret's metadata and base64 under the API server's 1 MiB limit. */
export const MAX_AUTH_BYTES = 700 * 1024;
const MAX_ATTEMPTS = 8;
const SYNC_TIMEOUT_MS = 30_000;

const KEYS = {
  adminToken: 'admin-token',
  users: 'users.json',
  sessions: 'sessions.json',
  codes: 'login-codes.json',
} as const;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (value: string | undefined) =>
  value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');

export class AuthSecret implements SharedAuthDocument {
  readonly where: string;
  readonly #core: CoreV1Api;
  readonly #namespace: string;
  readonly #log: (message: string) => void;
  readonly #informer: ReturnType<typeof makeInformer<V1Secret>> | undefined;
  #latest: AuthDocument | undefined;
  #reading: Promise<AuthDocument | undefined> | undefined;
  #queued: Promise<AuthDocument | undefined> | undefined;
  #stopped = false;

  /** `watch: false` (the users command) reads and writes without watching. */
  constructor(kc: KubeConfig, opts: { namespace: string; log: (m: string) => void; watch?: boolean }) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#namespace = opts.namespace;
    this.#log = opts.log;
    this.where = `Secret ${opts.namespace}/${AUTH_SECRET}`;
    if (opts.watch === false) return;
    const namespace = opts.namespace;
    this.#informer = makeInformer<V1Secret>(
      kc,
      `/api/v1/namespaces/${namespace}/secrets`,
      () => this.#core.listNamespacedSecret({ namespace, labelSelector: AUTH_LABEL }),
      AUTH_LABEL,
    );
    const seen = (s: V1Secret) => {
      if (s.metadata?.name !== AUTH_SECRET) return;
      try {
        this.#latest = this.#parse(s);
      } catch (err) {
        this.#log((err as Error).message);
      }
    };
    this.#informer.on('add', seen);
    this.#informer.on('update', seen);
    this.#informer.on('delete', (s) => {
      if (s.metadata?.name === AUTH_SECRET) this.#latest = undefined;
    });
    this.#informer.on('error', () => {
      if (this.#stopped) return;
      setTimeout(() => void this.#informer?.start().catch(() => {}), 2000).unref();
    });
  }

  /** Starts the watch and waits (bounded) for its first list. */
  async start(): Promise<void> {
    if (!this.#informer) return;
    await this.#informer.start().catch(() => {});
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    const synced = () =>
      (this.#informer as unknown as { latestResourceVersion(): string }).latestResourceVersion() !== '';
    while (!synced()) {
      if (Date.now() > deadline) throw new Error(`cannot list the sign-in ${this.where}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#informer?.stop();
  }

  current(): AuthDocument | undefined {
    return this.#latest;
  }

  /** A read that starts after this call; callers meanwhile share it (at most one read in flight, one queued). */
  refresh(): Promise<AuthDocument | undefined> {
    if (!this.#reading) {
      this.#reading = this.#readNow().finally(() => {
        this.#reading = undefined;
      });
      return this.#reading;
    }
    this.#queued ??= this.#reading
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
    return this.#queued;
  }

  async #readNow(): Promise<AuthDocument | undefined> {
    const secret = await this.#read();
    const doc = secret ? this.#parse(secret) : undefined;
    if (doc) this.#latest = doc;
    return doc;
  }

  async update<R>(change: (doc: AuthDocument) => AuthChange<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.#read();
      const { next, result } = change(current ? this.#parse(current) : EMPTY_AUTH_DOCUMENT);
      if (!next) return result;
      const body = this.#body(next, current);
      try {
        if (current)
          await this.#core.replaceNamespacedSecret({ name: AUTH_SECRET, namespace: this.#namespace, body });
        else await this.#core.createNamespacedSecret({ namespace: this.#namespace, body });
        this.#latest = next;
        return result;
      } catch (err) {
        // 409: another replica wrote since our read (or created it first): read again.
        if ((err as { code?: number }).code === 409 && attempt < MAX_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
          continue;
        }
        fromApiError(err, `writing the sign-in ${this.where}`);
      }
    }
  }

  #body(doc: AuthDocument, current: V1Secret | undefined): V1Secret {
    const data: Record<string, string> = {
      [KEYS.users]: JSON.stringify({ users: doc.users }),
      [KEYS.sessions]: JSON.stringify({ sessions: doc.sessions }),
      [KEYS.codes]: JSON.stringify({ codes: doc.codes }),
    };
    if (doc.adminToken) data[KEYS.adminToken] = doc.adminToken;
    const bytes = Object.values(data).reduce((n, v) => n + Buffer.byteLength(v), 0);
    if (bytes > MAX_AUTH_BYTES)
      throw new MeshError(
        ErrorCode.unavailable,
        `the sign-in ${this.where} would hold ${bytes} bytes, over ${MAX_AUTH_BYTES}; nothing was changed`,
      );
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        ...(current?.metadata ?? {}),
        name: AUTH_SECRET,
        namespace: this.#namespace,
        labels: { ...(current?.metadata?.labels ?? {}), [AUTH_LABEL]: 'true' },
      },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    };
  }

  /** The document in a Secret; throws naming the Secret and the key when it is damaged. */
  #parse(secret: V1Secret): AuthDocument {
    const data = secret.data ?? {};
    const part = (key: string, field: string): unknown => {
      const text = unb64(data[key]);
      if (text === undefined) return [];
      try {
        return (JSON.parse(text) as Record<string, unknown>)[field];
      } catch (err) {
        throw new MeshError(
          ErrorCode.internal,
          `the sign-in ${this.where} key ${key} is not valid JSON (${(err as Error).message}); fix or delete the key`,
        );
      }
    };
    const token = unb64(data[KEYS.adminToken])?.trim();
    const parsed = AuthDocument.safeParse({
      ...(token ? { adminToken: token } : {}),
      users: part(KEYS.users, 'users'),
      sessions: part(KEYS.sessions, 'sessions'),
      codes: part(KEYS.codes, 'codes'),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MeshError(
        ErrorCode.internal,
        `the sign-in ${this.where} does not match its schema (${issue?.path.join('.') || 'document'}: ${issue?.message}); fix or delete the key`,
      );
    }
    return parsed.data;
  }

  async #read(): Promise<V1Secret | undefined> {
    try {
      return await this.#core.readNamespacedSecret({ name: AUTH_SECRET, namespace: this.#namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      fromApiError(err, `reading the sign-in ${this.where}`);
    }
  }
}
