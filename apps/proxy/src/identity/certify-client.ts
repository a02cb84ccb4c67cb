/**
 * Asks the controller for a certificate: a plain JSON POST to `/trpc/identity.certify`
 * (the proxy never imports the controller), answered with a `CertifyResponse` or a tRPC
 * error whose message says why the request was refused.
 */
import { CertifyResponse, ErrorCode, MeshError } from '@weft/shared';
import { type JsonAnswer, postJson } from './post-json.ts';

/** Sends the CSR and token (also as the bearer credential); throws a MeshError naming the controller's reason on refusal. */
export async function requestCertificate(
  controllerUrl: string,
  body: { csr: string; token: string },
  timeoutMs: number,
): Promise<CertifyResponse> {
  const url = new URL('/trpc/identity.certify', controllerUrl);
  type Answer = { result?: { data?: unknown }; error?: { message?: string; data?: { meshCode?: string } } };
  let res: JsonAnswer;
  try {
    res = await postJson(url, JSON.stringify(body), { authorization: `Bearer ${body.token}` }, timeoutMs);
  } catch (err) {
    throw new MeshError(
      ErrorCode.unavailable,
      `identity.certify at ${url.origin}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const json = (res.json ?? {}) as Answer;
  if (!res.ok || json.error) {
    const code = (json.error?.data?.meshCode as ErrorCode | undefined) ?? ErrorCode.unavailable;
    throw new MeshError(
      code,
      `identity.certify refused (HTTP ${res.status}): ${json.error?.message ?? 'no reason given'}`,
    );
  }
  const parsed = CertifyResponse.safeParse(json.result?.data);
  if (!parsed.success)
    throw new MeshError(ErrorCode.internal, `identity.certify: malformed answer: ${parsed.error.message}`);
  return parsed.data;
}
