import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { objectName, type Finding, type KubeObject } from './types.ts';

/** The part of an Ajv error the findings use (kubernetes-models validates with Ajv). */
interface ErrorObject {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A model class from `kubernetes-models`: built from an object, validated against the official OpenAPI schema. */
type ModelClass = new (data: never) => { validate(): void };

/** The kinds Slipway renders and can check, keyed "apiVersion kind". */
const models = new Map<string, ModelClass>(
  [
    Namespace,
    ServiceAccount,
    ConfigMap,
    Secret,
    Service,
    Deployment,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    Ingress,
    NetworkPolicy,
  ].map((model) => [`${model.apiVersion} ${model.kind}`, model as unknown as ModelClass]),
);

export const knownKinds = [...models.keys()];

/** Whether there is a schema for this object's apiVersion and kind. */
export function isKnownKind(object: KubeObject): boolean {
  return models.has(`${object.apiVersion} ${object.kind}`);
}

/** Schema findings for an object of a known kind: one per offending field. */
export function schemaFindings(object: KubeObject): Finding[] {
  const Model = models.get(`${object.apiVersion} ${object.kind}`);
  if (!Model) return [];
  try {
    new Model(structuredClone(object) as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: ErrorObject[] }).errors;
    if (!errors) throw error;
    return collapse(errors).map((err) => toFinding(object, err));
  }
}

/**
 * One error per field. A field declared as "one of" several shapes (a quantity is a number or a
 * quantity string) fails each branch and then the "oneOf" itself; the format error is the one
 * that says what is wrong.
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const byField = new Map<string, ErrorObject[]>();
  for (const err of errors) {
    const field = fieldPointer(err);
    byField.set(field, [...(byField.get(field) ?? []), err]);
  }
  return [...byField.values()].map((group) => {
    const rank = (err: ErrorObject) => (err.keyword === 'format' ? 0 : err.keyword === 'oneOf' || err.keyword === 'anyOf' ? 2 : 1);
    return [...group].sort((a, b) => rank(a) - rank(b))[0];
  });
}

/** The JSON pointer of the field at fault: for a missing property, the property itself. */
function fieldPointer(err: ErrorObject): string {
  if (err.keyword === 'required') return `${err.instancePath}/${String(err.params.missingProperty)}`;
  if (err.keyword === 'additionalProperties') return `${err.instancePath}/${String(err.params.additionalProperty)}`;
  return err.instancePath;
}

function toFinding(object: KubeObject, err: ErrorObject): Finding {
  const path = dottedPath(object, fieldPointer(err));
  return { object: objectName(object), path, rule: 'schema', ...explain(err) };
}

function explain(err: ErrorObject): { message: string; fix: string } {
  const params = err.params;
  switch (err.keyword) {
    case 'required':
      return { message: `required field "${String(params.missingProperty)}" is missing`, fix: `set "${String(params.missingProperty)}"` };
    case 'format':
      if (params.format === 'quantity') {
        return { message: 'is not a Kubernetes quantity', fix: 'use a quantity such as "128Mi", "1Gi", "250m" or "0.5"' };
      }
      return { message: `is not a valid ${String(params.format)}`, fix: `use a valid ${String(params.format)}` };
    case 'type':
      return {
        message: `must be ${article(String(params.type))} ${String(params.type)}`,
        fix: `set it to ${article(String(params.type))} ${String(params.type)}`,
      };
    case 'enum':
      return {
        message: 'is not an allowed value',
        fix: `use one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'additionalProperties':
      return { message: `unknown field "${String(params.additionalProperty)}"`, fix: 'remove it or correct its spelling' };
    default:
      return {
        message: err.message ?? `fails the "${err.keyword}" rule of the schema`,
        fix: 'correct the value to match the Kubernetes API schema',
      };
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/**
 * "/spec/template/spec/containers/0/resources" → "spec.template.spec.containers[0].resources".
 * Walks the object so a numeric map key stays a key; keys with dots or slashes (labels) are quoted.
 */
export function dottedPath(object: unknown, pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = '';
  let node: unknown = object;
  for (const segment of segments) {
    if (Array.isArray(node)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}
