import type { ReleaseManifest } from '../../../release/manifest.ts';

/**
 * A label value Kubernetes accepts (63 characters of [A-Za-z0-9._-], alphanumeric at both
 * ends): a version such as "1.5.0+build.7" carries characters labels do not allow.
 */
export function labelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The labels that pick a service's pods: stable across releases, since selectors are immutable. */
export function selectorLabels(project: string, service: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service, 'app.kubernetes.io/part-of': project };
}

/** Every label of a service's objects: the selector plus what identifies the release. */
export function serviceLabels(project: string, service: string, release: ReleaseManifest): Record<string, string> {
  return {
    ...selectorLabels(project, service),
    'app.kubernetes.io/version': labelValue(release.version),
    'app.kubernetes.io/managed-by': 'slipway',
    'slipway.dev/release': labelValue(release.tag),
  };
}

/** Labels of the objects that belong to the whole project rather than one service. */
export function projectLabels(project: string, release: ReleaseManifest): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': project,
    'app.kubernetes.io/version': labelValue(release.version),
    'app.kubernetes.io/managed-by': 'slipway',
    'slipway.dev/release': labelValue(release.tag),
  };
}
