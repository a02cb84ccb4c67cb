/**
 * Workload identity on Kubernetes: a proxy proves its workload with its pod's projected
 * service-account token (audience `weft`), checked by the API server with a TokenReview.
 * The reviewed user `system:serviceaccount:<namespace>:<name>` is the identity; the pod
 * name comes from the token's bound-object claims when the API server reports them.
 */
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, MeshError, WEFT_TOKEN_AUDIENCE } from '@weft/shared';
import type { TokenIdentity, TokenValidator } from '../../identity/token.ts';

const SERVICE_ACCOUNT_USER =
  /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;
const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';

const unauthenticated = (msg: string) => new MeshError(ErrorCode.unauthenticated, `token: ${msg}`);

export class TokenReviewValidator implements TokenValidator {
  readonly #api: AuthenticationV1Api;

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(AuthenticationV1Api);
  }

  async validate(token: string): Promise<TokenIdentity> {
    if (token.length === 0) throw unauthenticated('is empty');
    let review: Awaited<ReturnType<AuthenticationV1Api['createTokenReview']>>;
    try {
      review = await this.#api.createTokenReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, audiences: [WEFT_TOKEN_AUDIENCE] },
        },
      });
    } catch (err) {
      throw new MeshError(
        ErrorCode.unavailable,
        `token: the API server could not review it (${(err as Error).message})`,
      );
    }
    const status = review.status ?? {};
    if (!status.authenticated)
      throw unauthenticated(`the API server did not accept it${status.error ? `: ${status.error}` : ''}`);
    if (!(status.audiences ?? []).includes(WEFT_TOKEN_AUDIENCE))
      throw unauthenticated(`is not meant for the audience "${WEFT_TOKEN_AUDIENCE}"`);
    const m = SERVICE_ACCOUNT_USER.exec(status.user?.username ?? '');
    if (!m) throw unauthenticated(`names "${status.user?.username ?? ''}", not a service account`);
    const pod = status.user?.extra?.[POD_NAME_EXTRA]?.[0];
    return { namespace: m[1] as string, serviceAccount: m[3] as string, ...(pod ? { pod } : {}) };
  }
}
