import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../deploy/kubernetes/manifests/index.ts';
import type { PipelineStage } from './context.ts';
import type { K8sAssetsOutputs } from './k8s-assets.ts';

export interface K8sTestsOutputs {
  objects: number;
  checked: string[];
}

/**
 * Stage 11: the rendered manifests, read back from disk as a cluster would get them, checked
 * against the official Kubernetes schemas and our policy rules, then by the deploy target: on a
 * cluster, a server-side dry run and a real rollout of a copy in an ephemeral namespace, deleted
 * afterwards.
 */
export const k8sTests: PipelineStage<K8sTestsOutputs> = {
  id: 'k8s-tests',
  title: 'Kubernetes tests',
  phase: 'release',
  needs: ['k8s-assets'],
  failure: 'K8s nonprod cluster failed integration tests',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { findingsFailure, validateManifests } = await import('../deploy/kubernetes/manifests/index.ts');
    const { parseAllDocuments } = await import('yaml');
    const { environment, files } = ctx.output<K8sAssetsOutputs>('k8s-assets');
    const objects: KubeObject[] = [];
    for (const file of files.filter((f) => !f.endsWith('kustomization.yaml'))) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) objects.push(doc.toJS() as KubeObject);
    }
    const findings = validateManifests(objects);
    if (findings.length) throw findingsFailure(findings);
    const target = await ctx.adapters.deployTarget(environment);
    const report = await target.dryRun(objects, ctx.log);
    const valid = `${objects.length} objects valid against the Kubernetes schemas and policy`;
    return {
      // What the target checked goes on the line; why it checked nothing goes in brackets.
      summary: report.checked.length ? `${valid}, ${report.summary}` : `${valid} (${report.summary})`,
      outputs: { objects: objects.length, checked: ['schema', 'policy', ...report.checked] },
    };
  },
};
