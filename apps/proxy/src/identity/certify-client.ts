/**
 * Asks the controller for a certificate: a plain JSON POST to `/trpc/identity.certify`
 * (the proxy never imports the controller), answered with a `CertifyResponse` or a tRPC
 * error whose message says why the request was refused.
 */
import { CertifyResponse, ErrorCode, MeshError } from '@weft/shared';

/** Sends the CSR and token (also as the bearer credential); throws a MeshError naming the controller's reason on refusal. */
export async function requestCertificate(
  controllerUrl: string,
  body: { csr: string; token: string },
  timeoutMs: number,
): Promise<CertifyResponse> {
  const url = new URL('/trpc/identity.certify', controllerUrl);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${body.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new MeshError(
      ErrorCode.unavailable,
      `identity.certify at ${url.origin}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  let json: { result?: { data?: unknown }; error?: { message?: string; data?: { meshCode?: string } } };
  try {
    json = (await res.json()) as typeof json;
  } catch (err) {
    throw new MeshError(
      ErrorCode.unavailable,
      `identity.certify: HTTP ${res.status} with a body that is not JSON`,
      {
        cause: err,
      },
    );
  }
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
