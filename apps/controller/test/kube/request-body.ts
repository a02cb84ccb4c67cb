/**
 * Test support for the fake API server (server.ts): request bodies. Reads a JSON body
 * within the real server's size limit and refuses other media types as a server without
 * protobuf does; applies a PATCH body by its content type (merge, JSON or strategic merge
 * patch), with the real server's `Status` errors.
 */
import type { IncomingMessage } from 'node:http';
import { type JsonObject, jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.ts';
import type { ResourceType } from './resources.ts';
import { badRequest, StatusError } from './status.ts';

/** Bodies larger than this are refused (413), as the real server's limit. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const media = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  // Like a server without protobuf: client-go falls back to JSON on 415.
  if (!/^application\/([a-z-]+\+)?json$/.test(media))
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got ${media})`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new StatusError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    // kubectl may send YAML only for apply-patch, which is refused by content type; anything else is bad JSON.
    throw badRequest(`the body is not valid JSON: ${text.slice(0, 80)}`);
  }
}

/** `current` with a PATCH body applied, by the body's content type. */
export function applyPatch(
  type: ResourceType,
  current: JsonObject,
  contentType: string | undefined,
  patch: unknown,
): JsonObject {
  const media = (contentType ?? '').split(';')[0]?.trim();
  try {
    if (media === 'application/merge-patch+json')
      return mergePatch(current, patch as JsonObject) as JsonObject;
    if (media === 'application/json-patch+json') return jsonPatch(current, patch) as JsonObject;
    if (media === 'application/strategic-merge-patch+json') {
      if (type.custom)
        throw new StatusError(
          415,
          'UnsupportedMediaType',
          'strategic merge patch is not supported for custom resources',
        );
      return strategicMergePatch(current, patch as JsonObject) as JsonObject;
    }
  } catch (err) {
    if (err instanceof PatchError)
      throw new StatusError(422, 'Invalid', `the patch could not be applied: ${err.message}`);
    throw err;
  }
  throw new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${type.custom ? '' : ', application/strategic-merge-patch+json'}`,
  );
}
