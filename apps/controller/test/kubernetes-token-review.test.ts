// Workload identity on Kubernetes: the TokenReview validator against the fake API
// server, which plays the authenticator (a projected token for audience "weft" names
// its service account and pod; anything else is refused).
import { ErrorCode, MeshError } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenReviewValidator } from '../src/platform/kubernetes/token-review.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

let server: FakeApiServer;
let validator: TokenValidatorUnderTest;
type TokenValidatorUnderTest = TokenReviewValidator;

const TOKENS: Record<string, { user: string; audiences: string[]; pod?: string }> = {
  'web-token': { user: 'system:serviceaccount:demo:web', audiences: ['weft'], pod: 'web-5d8f-abcde' },
  'api-token': { user: 'system:serviceaccount:demo:api', audiences: ['https://kubernetes.default.svc'] },
  'user-token': { user: 'alice', audiences: ['weft'] },
};

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof MeshError ? err.code : 'not a MeshError';
  }
}

beforeAll(async () => {
  server = new FakeApiServer();
  server.reviewTokens((token, audiences) => {
    const t = TOKENS[token];
    const shared = t?.audiences.filter((a) => audiences.includes(a)) ?? [];
    if (!t || shared.length === 0) return { authenticated: false, error: 'invalid bearer token' };
    return {
      authenticated: true,
      audiences: shared,
      user: {
        username: t.user,
        ...(t.pod ? { extra: { 'authentication.kubernetes.io/pod-name': [t.pod] } } : {}),
      },
    };
  });
  validator = new TokenReviewValidator(fakeKubeConfig(await server.listen()));
});
afterAll(async () => {
  await server?.close();
});

describe('TokenReview validator', () => {
  it('names the service account and pod of a projected token for "weft"', async () => {
    expect(await validator.validate('web-token')).toEqual({
      namespace: 'demo',
      serviceAccount: 'web',
      pod: 'web-5d8f-abcde',
    });
    expect(server.requests).toContain('POST /apis/authentication.k8s.io/v1/tokenreviews');
  });

  it('refuses a token for another audience, an unknown one and a non-service-account user', async () => {
    for (const token of ['api-token', 'forged', 'user-token', ''])
      expect(await codeOf(validator.validate(token)), token).toBe(ErrorCode.unauthenticated);
  });

  it('says the API server is unavailable when it cannot be reached', async () => {
    const down = new FakeApiServer();
    const url = await down.listen();
    await down.close();
    expect(await codeOf(new TokenReviewValidator(fakeKubeConfig(url)).validate('web-token'))).toBe(
      ErrorCode.unavailable,
    );
  });
});
