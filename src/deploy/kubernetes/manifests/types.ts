/** A Kubernetes object as rendered and written: typed enough to route, open enough for any kind. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** One problem in the manifests, precise enough to fix without reading the whole object. */
export interface Finding {
  /** "Deployment/embark-backend" */
  object: string;
  /** "spec.template.spec.containers[0].resources.limits.memory" */
  path: string;
  message: string;
  fix: string;
  /** The check that found it: "schema", "image-digest", "resources", … */
  rule: string;
}

/** "Deployment/embark-backend": how findings and messages name an object. */
export function objectName(object: KubeObject): string {
  return `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;
}
