/**
 * The admin API token: written at first start to `<stateDir>/auth/admin-token` (0600),
 * read back on every later start. Scripts and the CLI send it as
 * `Authorization: Bearer <token>`. An empty or malformed file stops start-up.
 */
import { join } from 'node:path';
import { ErrorCode, MeshError } from '@weft/shared';
import { authDir, readIfExists, writePrivateFile } from './private-file.ts';
import { API_TOKEN_PREFIX, newSecret } from './secrets.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

const TOKEN_SHAPE = /^wa_[A-Za-z0-9_-]{40,}$/;

/** The admin token and the file it lives in. */
export interface AdminToken {
  token: string;
  path: string;
}

/** Reads the admin token, making one on first start. */
export function loadOrCreateAdminToken(stateDir: string): AdminToken {
  const path = join(authDir(stateDir), ADMIN_TOKEN_FILE);
  const existing = readIfExists(path);
  if (existing !== undefined) {
    const token = existing.trim();
    if (!TOKEN_SHAPE.test(token))
      throw new MeshError(
        ErrorCode.invalidInput,
        `the admin token file ${path} is empty or malformed; delete it to have a new token written at the next start`,
      );
    return { token, path };
  }
  const token = newSecret(API_TOKEN_PREFIX);
  writePrivateFile(path, `${token}\n`);
  return { token, path };
}
