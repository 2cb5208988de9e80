/** The local runtime: the deploy target of the embedded default. */
export { deploy, environmentStatus, teardown } from './deploy.ts';
export type { DeployOptions, DeployResult, RuntimeStatus, ServiceDeployment } from './deploy.ts';
export { ociLayoutSource } from './image-source.ts';
export type { PullSource } from './image-source.ts';
export type { Isolation } from './launch-plan.ts';
export type { HistoryEntry } from './state.ts';
