export { kubeClient, type KubeClient } from './client.ts';
export { apiFailure } from './api-failure.ts';
export { dryRunApply, type DryRunResult } from './dry-run.ts';
export { deployRelease, removeRelease, type ClusterDeployRequest, type ClusterDeployResult } from './deploy.ts';
export { serviceStatuses } from './status.ts';
export { revisionHistory } from './history.ts';
export type { RevisionRecord, RevisionStatus } from './history-record.ts';
export { withEphemeralNamespace, type EphemeralRequest } from './ephemeral.ts';
