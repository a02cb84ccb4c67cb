/**
 * The policy CustomResourceDefinitions, generated from the zod schemas of
 * `@weft/shared` (`z.toJSONSchema`), for the kinds in Weft's own API group
 * (`policy.weft.dev`). Gateway API and Linkerd kinds use their projects' CRDs. JSON
 * Schema is turned into the OpenAPI v3 subset Kubernetes accepts (no `const`, `$schema`
 * or numeric `exclusiveMinimum`; nullable instead of a null type). Each CRD has a status
 * subresource with Gateway-API-style conditions (Accepted, ResolvedRefs).
 */
import { HTTPFault, HTTPLocalRateLimitPolicy, WEFT_POLICY_GROUP } from '@weft/shared';
import { z } from 'zod';

type Schema = Record<string, unknown>;

/** JSON Schema (draft 2020-12) to a Kubernetes structural OpenAPI v3 schema. */
export function toOpenApi(schema: unknown): Schema {
  if (Array.isArray(schema)) return schema.map(toOpenApi) as unknown as Schema;
  if (typeof schema !== 'object' || schema === null) return schema as Schema;
  const s = { ...(schema as Schema) };
  delete s.$schema;
  delete s.$id;
  if ('const' in s) {
    s.enum = [s.const];
    delete s.const;
  }
  if (typeof s.exclusiveMinimum === 'number') {
    s.minimum = s.exclusiveMinimum;
    s.exclusiveMinimum = true;
  }
  if (typeof s.exclusiveMaximum === 'number') {
    s.maximum = s.exclusiveMaximum;
    s.exclusiveMaximum = true;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options)) {
      const rest = options.filter((o) => (o as Schema).type !== 'null');
      if (rest.length < options.length) s.nullable = true;
      if (rest.length === 1) {
        delete s[key];
        Object.assign(s, toOpenApi(rest[0]));
        continue;
      }
      // Kubernetes needs a type beside the alternatives: keep them, accept any fields.
      delete s[key];
      s['x-kubernetes-preserve-unknown-fields'] = true;
      if (rest.every((o) => (o as Schema).type === 'object')) s.type = 'object';
    }
  }
  if (s.additionalProperties === false) delete s.additionalProperties;
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object')
      s[k] = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, toOpenApi(p)]));
    else if (k === 'items' || k === 'additionalProperties') s[k] = toOpenApi(v);
  }
  if (s.type === undefined && s.properties === undefined && s.items === undefined && !s.enum)
    s['x-kubernetes-preserve-unknown-fields'] = true;
  return s;
}

const CONDITIONS = {
  type: 'object',
  properties: {
    conditions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string', enum: ['Accepted', 'ResolvedRefs'] },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string' },
          message: { type: 'string' },
          observedGeneration: { type: 'integer' },
          lastTransitionTime: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};

/** One policy kind of Weft's group: its zod document schema and its names. */
const KINDS = [
  { schema: HTTPFault, kind: 'HTTPFault', plural: 'httpfaults' },
  {
    schema: HTTPLocalRateLimitPolicy,
    kind: 'HTTPLocalRateLimitPolicy',
    plural: 'httplocalratelimitpolicies',
  },
] as const;

/** The policy kinds served as custom resources: kind, plural and served versions. */
export function policyResourceKinds(): { kind: string; plural: string; versions: string[] }[] {
  return KINDS.map(({ schema, kind, plural }) => ({ kind, plural, versions: versionsOf(schema) }));
}

function versionsOf(schema: unknown): string[] {
  const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType>;
  return ((shape.apiVersion as unknown as { options: string[] }).options ?? [])
    .filter((v) => v.startsWith(`${WEFT_POLICY_GROUP}/`))
    .map((v) => v.slice(WEFT_POLICY_GROUP.length + 1));
}

export function policyCrds(): Schema[] {
  return KINDS.map(({ schema, kind, plural }) => {
    const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    const versions = versionsOf(schema);
    const spec = toOpenApi(
      z.toJSONSchema(shape.spec as z.ZodType, { io: 'input', unrepresentable: 'any', reused: 'inline' }),
    );
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${WEFT_POLICY_GROUP}`, labels: { 'app.kubernetes.io/part-of': 'weft' } },
      spec: {
        group: WEFT_POLICY_GROUP,
        scope: 'Namespaced',
        names: {
          kind,
          listKind: `${kind}List`,
          plural,
          singular: kind.toLowerCase(),
          categories: ['weft', 'policy'],
        },
        versions: versions.map((name, i) => ({
          name,
          served: true,
          storage: i === 0,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status: CONDITIONS,
              },
            },
          },
        })),
      },
    };
  });
}
