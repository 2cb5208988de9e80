import { isDeepStrictEqual } from 'node:util';
import { isKnownKind, schemaFindings } from '../../deploy/kubernetes/manifests/schema-check.ts';
import type { KubeObject } from '../../deploy/kubernetes/manifests/types.ts';
import type { ResourceType } from './resources.ts';
import { ApiError, type StatusCause } from './status.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** Kinds whose names become DNS labels (a namespace, a service's DNS name). */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

/**
 * What the API server checks before storing an object: the official OpenAPI schema (through
 * src/deploy/kubernetes/manifests/schema-check.ts), name and label syntax, and the Deployment rules a deploy can trip
 * over (the selector must match the template's labels and cannot change). Throws a 422 Invalid
 * `Status` naming every offending field.
 */
export function validateObject(resource: ResourceType, object: KubeObject, existing?: KubeObject): void {
  const causes: StatusCause[] = [];
  const invalid = (field: string, message: string, reason = 'FieldValueInvalid') => causes.push({ reason, message, field });

  if (isKnownKind(object)) {
    for (const finding of schemaFindings(object)) {
      const required = finding.message.startsWith('required field');
      invalid(
        finding.path,
        required ? 'Required value' : `Invalid value: ${finding.message}`,
        required ? 'FieldValueRequired' : 'FieldValueInvalid',
      );
    }
  }
  const name = object.metadata.name;
  const nameRule = LABEL_NAMED.has(object.kind) ? DNS_LABEL : DNS_SUBDOMAIN;
  if (!nameRule.test(name) || name.length > (LABEL_NAMED.has(object.kind) ? 63 : 253)) {
    invalid(
      'metadata.name',
      `Invalid value: "${name}": a lowercase RFC 1123 ${LABEL_NAMED.has(object.kind) ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.'`,
    );
  }
  checkLabels(object.metadata.labels, 'metadata.labels', invalid);
  if (object.kind === 'Deployment') checkDeployment(object, existing, invalid);

  if (causes.length > 0) {
    const summary = causes.map((cause) => `${cause.field}: ${cause.message}`);
    const qualified = resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
    throw new ApiError(
      422,
      'Invalid',
      `${qualified} "${name}" is invalid: ${summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`}`,
      {
        name,
        group: resource.group || undefined,
        kind: resource.kind,
        causes,
      },
    );
  }
}

type Invalid = (field: string, message: string, reason?: string) => void;

function checkLabels(labels: Record<string, string> | undefined, at: string, invalid: Invalid): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    if (!LABEL_NAME.test(name) || name.length > 63 || (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix))) {
      invalid(
        `${at}`,
        `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
    if (typeof value !== 'string' || !LABEL_VALUE.test(value) || value.length > 63) {
      invalid(
        `${at}`,
        `Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)`,
      );
    }
  }
}

function checkDeployment(object: KubeObject, existing: KubeObject | undefined, invalid: Invalid): void {
  const spec = object.spec as
    { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
  const selector = spec?.selector?.matchLabels ?? {};
  const templateLabels = spec?.template?.metadata?.labels ?? {};
  checkLabels(templateLabels, 'spec.template.metadata.labels', invalid);
  if (Object.entries(selector).some(([key, value]) => templateLabels[key] !== value)) {
    invalid('spec.template.metadata.labels', 'Invalid value: `selector` does not match template `labels`');
  }
  const previous = (existing?.spec as { selector?: unknown } | undefined)?.selector;
  if (previous !== undefined && !isDeepStrictEqual(previous, spec?.selector)) {
    invalid('spec.selector', 'Invalid value: field is immutable');
  }
}
