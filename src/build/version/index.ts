export { planVersion } from './plan.ts';
export { applyVersion } from './apply.ts';
export type { PackageRelease, VersionPlan, PlanVersionOptions, BumpType } from './types.ts';
