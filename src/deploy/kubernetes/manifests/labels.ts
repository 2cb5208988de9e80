import type { ReleaseManifest } from '../../../release/manifest.ts';

/**
 * Every label and annotation key Slipway puts on Kubernetes objects, in one place: rendering sets
 * them, and deploys select, prune and keep history by them, so the two must never differ.
 */
export const NAME = 'app.kubernetes.io/name';
export const PART_OF = 'app.kubernetes.io/part-of';
export const VERSION = 'app.kubernetes.io/version';
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const RELEASE = 'slipway.dev/release';
/** Marks the revision history records, which no prune may touch. */
export const HISTORY = 'slipway.dev/history';
export const REVISION = 'slipway.dev/revision';
export const STATUS = 'slipway.dev/status';
/** Marks a throwaway namespace a release is checked in. */
export const EPHEMERAL = 'slipway.dev/ephemeral';
/** Annotation: the commit a workload was built from. */
export const COMMIT = 'slipway.dev/commit';

/** The value of MANAGED_BY on everything Slipway applies. */
export const MANAGER = 'slipway';

/**
 * A label value Kubernetes accepts (63 characters of [A-Za-z0-9._-], alphanumeric at both
 * ends): a version such as "1.5.0+build.7" carries characters labels do not allow.
 */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The labels that pick a service's pods: stable across releases, since selectors are immutable. */
export function selectorLabels(project: string, service: string): Record<string, string> {
  return { [NAME]: service, [PART_OF]: project };
}

/** Every label of a service's objects: the selector plus what identifies the release. */
export function serviceLabels(project: string, service: string, release: ReleaseManifest): Record<string, string> {
  return { ...selectorLabels(project, service), ...releaseLabels(release) };
}

/** Labels of the objects that belong to the whole project rather than one service. */
export function projectLabels(project: string, release: ReleaseManifest): Record<string, string> {
  return { [PART_OF]: project, ...releaseLabels(release) };
}

function releaseLabels(release: ReleaseManifest): Record<string, string> {
  return { [VERSION]: labelValue(release.version), [MANAGED_BY]: MANAGER, [RELEASE]: labelValue(release.tag) };
}

/** The label selector of the objects a project's releases applied. */
export function releaseSelector(project: string): string {
  return `${MANAGED_BY}=${MANAGER},${PART_OF}=${project},${RELEASE}`;
}

/** Labels as a label selector: "key=value,key=value". */
export function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
