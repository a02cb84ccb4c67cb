/**
 * Where the CA lives: generated on first start into `<stateDir>/identity/` and read back
 * on every later start (so the trust anchor survives restarts), or loaded from files the
 * user supplies. Private keys sit in `identity/private/` (directory 0700, files 0600);
 * `identity/trust-anchor.pem` is public: proxies read it (`WEFT_PROXY_IDENTITY_DIR`).
 *
 *   <stateDir>/identity/
 *     trust-anchor.pem          public, the roots proxies trust
 *     trust-domain              public, the trust domain of identities (one line)
 *     issuer.pem                public, the intermediate sent in every handshake
 *     private/issuer-key.pem    0600
 *     private/trust-anchor-key.pem  0600 (generated CA only)
 *     private/token-secret      0600, the HMAC key of workload tokens
 */
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCode, MeshError } from '@weft/shared';
import { type CaMaterial, checkCaMaterial, generateCa } from './ca.ts';
import { HmacTokens } from './token.ts';
import { type CryptoKey, privateKeyFromPem, privateKeyToPem, x509 } from './x509.ts';

/** File name of the public trust anchor bundle inside the identity directory. */
export const TRUST_ANCHOR_FILE = 'trust-anchor.pem';
/** File name of the trust domain (one line) inside the identity directory, for proxies. */
export const TRUST_DOMAIN_FILE = 'trust-domain';

/** Files a user gives instead of a generated CA (all three together). */
export interface SuppliedCaFiles {
  trustAnchor: string;
  issuerCert: string;
  issuerKey: string;
}

export interface LoadCaOptions {
  stateDir: string;
  trustDomain: string;
  supplied?: SuppliedCaFiles;
}

export interface LoadedCa {
  ca: CaMaterial;
  source: 'generated' | 'supplied';
  /** The directory holding `trust-anchor.pem`, for proxies. */
  identityDir: string;
}

/** The identity directory inside a state directory. */
export function identityDir(stateDir: string): string {
  return join(stateDir, 'identity');
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The write in progress for each path, so saves of one file run one after another. */
const writesInFlight = new Map<string, Promise<void>>();
let tempCounter = 0;

/**
 * Writes a file atomically with the given mode: temporary file, fsync, rename, fsync of the
 * directory, so a crash leaves the old file or the new, whole. Writes to the same path are
 * serialized (each waits for the one before it), and each uses its own temporary file.
 */
export function writeAtomic(path: string, data: string | Buffer, mode: number): Promise<void> {
  const before = writesInFlight.get(path);
  const run = (before ?? Promise.resolve()).then(
    () => writeOnce(path, data, mode),
    () => writeOnce(path, data, mode),
  );
  writesInFlight.set(path, run);
  const forget = () => {
    if (writesInFlight.get(path) === run) writesInFlight.delete(path);
  };
  run.then(forget, forget);
  return run;
}

async function writeOnce(path: string, data: string | Buffer, mode: number): Promise<void> {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  const tmp = `${path}.${process.pid}.${tempCounter}.tmp`;
  const file = await open(tmp, 'w', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await chmod(tmp, mode);
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function parseCert(pem: string, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw new MeshError(ErrorCode.invalidInput, `identity CA: ${what} is not a PEM certificate`, {
      cause: err,
    });
  }
}

async function parseKey(pem: string, what: string): Promise<CryptoKey> {
  try {
    return await privateKeyFromPem(pem);
  } catch (err) {
    throw new MeshError(
      ErrorCode.invalidInput,
      `identity CA: ${what} is not a PKCS#8 ECDSA P-256 private key`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Loads the CA (supplied files win), or generates one on first start. Refuses a
 * half-present generated CA rather than silently replacing the trust anchor.
 */
export async function loadOrCreateCa(opts: LoadCaOptions): Promise<LoadedCa> {
  const dir = identityDir(opts.stateDir);
  const priv = join(dir, 'private');
  // The identity directory is public (proxies read the anchor); only `private/` is owner-only.
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await mkdir(priv, { recursive: true, mode: 0o700 });
  await chmod(priv, 0o700);
  await writeAtomic(join(dir, TRUST_DOMAIN_FILE), `${opts.trustDomain}\n`, 0o644);

  if (opts.supplied) {
    const s = opts.supplied;
    const [anchorPem, issuerPem, keyPem] = await Promise.all([
      readFile(s.trustAnchor, 'utf8'),
      readFile(s.issuerCert, 'utf8'),
      readFile(s.issuerKey, 'utf8'),
    ]);
    const ca: CaMaterial = {
      trustAnchor: parseCert(anchorPem, `trust anchor (${s.trustAnchor})`),
      issuer: parseCert(issuerPem, `issuer certificate (${s.issuerCert})`),
      issuerKey: await parseKey(keyPem, `issuer key (${s.issuerKey})`),
    };
    await checkCaMaterial(ca);
    await writeAtomic(join(dir, TRUST_ANCHOR_FILE), ca.trustAnchor.toString('pem'), 0o644);
    return { ca, source: 'supplied', identityDir: dir };
  }

  const files = {
    anchor: join(dir, TRUST_ANCHOR_FILE),
    issuer: join(dir, 'issuer.pem'),
    issuerKey: join(priv, 'issuer-key.pem'),
    anchorKey: join(priv, 'trust-anchor-key.pem'),
  };
  const [anchorPem, issuerPem, issuerKeyPem, anchorKeyPem] = await Promise.all([
    readIfExists(files.anchor),
    readIfExists(files.issuer),
    readIfExists(files.issuerKey),
    readIfExists(files.anchorKey),
  ]);
  if (anchorPem && issuerPem && issuerKeyPem) {
    const ca: CaMaterial = {
      trustAnchor: parseCert(anchorPem, files.anchor),
      issuer: parseCert(issuerPem, files.issuer),
      issuerKey: await parseKey(issuerKeyPem, files.issuerKey),
      ...(anchorKeyPem ? { trustAnchorKey: await parseKey(anchorKeyPem, files.anchorKey) } : {}),
    };
    await checkCaMaterial(ca);
    return { ca, source: 'generated', identityDir: dir };
  }
  if (anchorPem || issuerPem || issuerKeyPem)
    throw new MeshError(
      ErrorCode.conflict,
      `identity CA: ${dir} holds only part of a CA (need ${TRUST_ANCHOR_FILE}, issuer.pem and private/issuer-key.pem); ` +
        'restore the missing files or remove the directory to generate a new trust anchor',
    );

  const ca = await generateCa({ trustDomain: opts.trustDomain });
  // Keys first, certificates last: a crash in between leaves no half-CA that looks complete.
  await writeAtomic(files.issuerKey, await privateKeyToPem(ca.issuerKey), 0o600);
  if (ca.trustAnchorKey) await writeAtomic(files.anchorKey, await privateKeyToPem(ca.trustAnchorKey), 0o600);
  await writeAtomic(files.issuer, ca.issuer.toString('pem'), 0o644);
  await writeAtomic(files.anchor, ca.trustAnchor.toString('pem'), 0o644);
  return { ca, source: 'generated', identityDir: dir };
}

/** Loads the workload-token secret from the state directory, making one on first start. */
export async function loadOrCreateTokens(
  stateDir: string,
  opts: { ttlMs?: number } = {},
): Promise<HmacTokens> {
  const priv = join(identityDir(stateDir), 'private');
  await mkdir(priv, { recursive: true, mode: 0o700 });
  const file = join(priv, 'token-secret');
  const existing = await readIfExists(file);
  if (existing !== undefined) {
    // Regenerating it would silently break every running proxy's renewals: stop instead.
    const text = existing.trim();
    const secret = Buffer.from(text, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || secret.length < 32)
      throw new MeshError(
        ErrorCode.invalidInput,
        `the workload token secret ${file} is empty or corrupt; restore it from a backup, or delete it ` +
          'to make a new one (every running proxy must then be restarted: unmesh and mesh its workload)',
      );
    return new HmacTokens(secret, opts);
  }
  const secret = HmacTokens.newSecret();
  await writeAtomic(file, secret.toString('base64'), 0o600);
  return new HmacTokens(secret, opts);
}
