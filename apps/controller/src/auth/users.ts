/**
 * Dashboard users and their roles, in `<stateDir>/auth/users.json` (0600):
 * `{"users": [{"name": "ana", "role": "viewer", "passwordHash": "scrypt$..."}]}`.
 * A malformed file stops start-up with a message naming it; no file means no users
 * (the one-time login link still lets the operator in). Users added while the controller
 * runs (`npm run -s users -- add ...`) count at the next login: the file is re-read when
 * it changes, and a malformed change is ignored with the last good list kept.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, MeshError, Role, UserName } from '@weft/shared';
import { z } from 'zod';
import { hashPassword, isPasswordHash, verifyPassword } from './passwords.ts';
import { authDir, readIfExists, writePrivateFile } from './private-file.ts';

export const USERS_FILE = 'users.json';

export const UserRecord = z.object({
  name: UserName,
  role: Role,
  passwordHash: z.string().refine(isPasswordHash, 'must be a scrypt hash written by Weft'),
});
export type UserRecord = z.infer<typeof UserRecord>;
const UsersDocument = z.object({ users: z.array(UserRecord).max(10_000) });

/** A user who logged in. */
export interface AuthenticatedUser {
  name: string;
  role: Role;
}

/** A hash of no password, checked when the user is unknown so that timing does not tell. */
let decoyHash: Promise<string> | undefined;

/** The user when the password matches; an unknown user costs a hash too, so timing does not tell. */
export async function checkUser(
  user: UserRecord | undefined,
  password: string,
): Promise<AuthenticatedUser | undefined> {
  if (!user) {
    decoyHash ??= hashPassword('weft-decoy');
    await verifyPassword(password, await decoyHash);
    return undefined;
  }
  return (await verifyPassword(password, user.passwordHash))
    ? { name: user.name, role: user.role }
    : undefined;
}

/** A validated user record with a fresh hash of `password`. */
export async function userRecord(name: string, role: Role, password: string): Promise<UserRecord> {
  return UserRecord.parse({ name, role, passwordHash: await hashPassword(password) });
}

export class UserStore {
  readonly path: string;
  #users = new Map<string, UserRecord>();
  #loadedMtimeMs = -1;

  /** Loads `<stateDir>/auth/users.json`; throws naming the file when it is malformed. */
  constructor(stateDir: string) {
    this.path = join(authDir(stateDir), USERS_FILE);
    this.#load();
  }

  #mtimeMs(): number {
    try {
      return statSync(this.path).mtimeMs;
    } catch {
      return 0;
    }
  }

  /** Re-reads the file when it changed; keeps the last good list when the change is malformed. */
  #refresh(): void {
    if (this.#mtimeMs() === this.#loadedMtimeMs) return;
    try {
      this.#load();
    } catch {
      // The last good list stays; the next start reports the file.
    }
  }

  #load(): void {
    this.#loadedMtimeMs = this.#mtimeMs();
    const text = readIfExists(this.path);
    const users = new Map<string, UserRecord>();
    if (text === undefined) {
      this.#users = users;
      return;
    }
    let doc: z.infer<typeof UsersDocument>;
    try {
      const parsed = UsersDocument.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      doc = parsed.data;
    } catch (err) {
      throw new MeshError(
        ErrorCode.invalidInput,
        `the users file ${this.path} is malformed (${err instanceof Error ? err.message : String(err)}); fix it, or move it away to start with no users`,
      );
    }
    for (const u of doc.users) users.set(u.name, u);
    this.#users = users;
  }

  get size(): number {
    return this.#users.size;
  }

  /** The user when name and password match; undefined otherwise. */
  async verify(name: string, password: string): Promise<AuthenticatedUser | undefined> {
    this.#refresh();
    return checkUser(this.#users.get(name), password);
  }

  /** Adds or replaces a user and saves the file. */
  async set(name: string, role: Role, password: string): Promise<void> {
    const record = await userRecord(name, role, password);
    this.#refresh();
    this.#users.set(name, record);
    writePrivateFile(this.path, `${JSON.stringify({ users: [...this.#users.values()] }, null, 1)}\n`);
    this.#loadedMtimeMs = this.#mtimeMs();
  }
}
