export type {
  HashInputs,
  PackageHash,
  PrerequisiteHash,
  PrerequisiteInputs,
  TestHash,
  TestInputs,
  Workspace,
  WorkspacePackage,
} from './types.ts';
export { discoverWorkspace } from './discover.ts';
export { WorkTreeListing, type FileListing } from './files.ts';
export { dependentsOf, topologicalLevels } from './graph.ts';
export {
  hashOfInputs,
  hashOfPrerequisite,
  hashOfTestInputs,
  hashPackages,
  owningPackage,
  prerequisiteKey,
  readHashSources,
  type HashOptions,
  type HashSources,
} from './hash.ts';
export { explainMiss, explainPrerequisiteMiss, explainRebuild, explainTestMiss, type MissExplanation } from './explain.ts';
export { LastInputs } from './last-inputs.ts';
export { nearestChangeFirst, runInDependencyOrder } from './schedule.ts';
export { TaskInputs } from './build-inputs.ts';
export { CompiledTests, compiledTestFile } from './compiled-tests.ts';
export { resolvePackageTasks, type PackageTask, type PackageTasks } from './package-tasks.ts';
export { buildPrerequisites, parseTurboJson, readTurboJson, withPrerequisites, type Prerequisite } from './turbo.ts';
export { delegatesToPackages, readRootTests, rootTestKey, type RootTests } from './root-tests.ts';
