/**
 * A workload token counts only while its pod exists: wraps a `TokenValidator` so that a
 * token naming a pod the platform no longer runs is refused (`WEFT_UNAUTHENTICATED`),
 * for `identity.certify` and for every API call a proxy makes.
 */
import { ErrorCode, MeshError } from '@weft/shared';
import type { TokenIdentity, TokenValidator } from './token.ts';

/** Whether the platform runs pod `namespace/name` right now. */
export type PodExists = (namespace: string, name: string) => boolean;

export class LiveWorkloadTokens implements TokenValidator {
  readonly #tokens: TokenValidator;
  readonly #podExists: PodExists;

  constructor(tokens: TokenValidator, podExists: PodExists) {
    this.#tokens = tokens;
    this.#podExists = podExists;
  }

  async validate(token: string): Promise<TokenIdentity> {
    const who = await this.#tokens.validate(token);
    if (who.pod !== undefined && !this.#podExists(who.namespace, who.pod))
      throw new MeshError(
        ErrorCode.unauthenticated,
        `token: pod ${who.namespace}/${who.pod} no longer exists`,
      );
    return who;
  }
}
