export type { HashInputs, PackageHash, Workspace, WorkspacePackage } from './types.ts';
export { discoverWorkspace } from './discover.ts';
export { dependentsOf, topologicalLevels } from './graph.ts';
export { hashOfInputs, hashPackages, type HashOptions } from './hash.ts';
export { explainMiss, explainRebuild, type MissExplanation } from './explain.ts';
export { LastInputs } from './last-inputs.ts';
export { nearestChangeFirst, runInDependencyOrder } from './schedule.ts';
export { hashBuildInputs } from './build-inputs.ts';
