/**
 * Pod-template identity on the local platform: the template hash (which changes when the
 * container, labels, service account or the inject annotation change, so a rollout
 * knows which pods are out of date) and Kubernetes-style pod names built from it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { INJECT_ANNOTATION } from '@weft/shared';
import type { DeploymentSpec } from './manifests.ts';

/** Kubernetes' alphabet for generated names (no vowels, no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function encode(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/** `namespace/name`: the key of workloads, services and pods in the platform's maps and state. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Each spec's two hashes, computed once: the views and rollouts ask for them at every pod change. */
const hashes = new WeakMap<DeploymentSpec, { meshed?: string; unmeshed?: string }>();

/** The pod-template hash of a Deployment, meshed (with `weft.dev/inject: enabled`) or not. */
export function templateHash(spec: DeploymentSpec, meshed: boolean): string {
  let known = hashes.get(spec);
  if (!known) {
    known = {};
    hashes.set(spec, known);
  }
  const key = meshed ? 'meshed' : 'unmeshed';
  known[key] ??= computeHash(spec, meshed);
  return known[key];
}

function computeHash(spec: DeploymentSpec, meshed: boolean): string {
  const annotations = { ...spec.podAnnotations };
  if (meshed) annotations[INJECT_ANNOTATION] = 'enabled';
  else delete annotations[INJECT_ANNOTATION];
  const text = JSON.stringify([spec.container, spec.podLabels, annotations, spec.serviceAccount]);
  return encode(createHash('sha256').update(text).digest(), 10);
}

/** A new pod name: `<deployment>-<template hash>-<5 random characters>`. */
export function newPodName(deployment: string, hash: string): string {
  return `${deployment}-${hash}-${encode(randomBytes(5), 5)}`;
}
