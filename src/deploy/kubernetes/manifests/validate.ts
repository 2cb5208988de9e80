import { policyFindings } from './policy.ts';
import { isKnownKind, knownKinds, schemaFindings } from './schema-check.ts';
import { Failure } from '../../../shared/feedback/failure.ts';
import { objectName, type Finding, type KubeObject } from './types.ts';

/**
 * Every problem in a set of manifests, in object order: first what the official Kubernetes schema
 * rejects, then what policy forbids. An empty list means the manifests may be applied.
 */
export function validateManifests(objects: KubeObject[]): Finding[] {
  return objects.flatMap((object) => {
    if (!isKnownKind(object)) {
      // Policy still applies: a workload of a kind we cannot schema-check may still run as root.
      const unknown: Finding = {
        object: objectName(object),
        path: 'kind',
        rule: 'unknown-kind',
        message: `unknown kind "${object.kind}" in apiVersion "${object.apiVersion}": there is no schema to check it against`,
        fix: `use one of: ${knownKinds.join(', ')}`,
      };
      return [unknown, ...policyFindings(object)];
    }
    return [...schemaFindings(object), ...policyFindings(object)];
  });
}

/** The feedback for manifests with findings: the first one as the cause, all of them as details. */
export function findingsFailure(findings: Finding[]): Failure {
  const [first] = findings;
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
  return new Failure(`${first.object} ${first.path}: ${first.message}${more}`, {
    details: findings.map((f) => `${f.object} ${f.path}: ${f.message} [${f.rule}]; fix: ${f.fix}`),
    hint: first.fix,
  });
}
