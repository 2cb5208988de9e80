export type {
  Approval,
  EnvironmentChange,
  EnvironmentGate,
  EnvironmentState,
  Gate,
  PromotionRecord,
  PromotionStatus,
  PromotionView,
  ReleaseIdentity,
  EnvironmentHistory,
  Withdrawal,
} from './types.ts';
export { environmentGates, isProductionName, releaseIdentity } from './types.ts';
export { compareReleases, compareVersions, isNewer, isPrerelease, type ReleaseOrderKey } from './order.ts';
export { PromotionStore, type LeaseClaim, type LeaseHolder, type LeasePurpose, type LeaseRecord, type Rollback } from './store.ts';
export { planPromotion, type PlanOptions, type PromotionStep } from './plan.ts';
export { planRollback, type RollbackPlan, type RollbackTarget } from './rollback-plan.ts';
export { driveRollback, type RollbackDrive } from './rollback.ts';
export { acquireDeployLease, type AcquireOptions, type DeployLease } from './lease.ts';
export { approve } from './approve.ts';
export { drivePromotion, enterEnvironment, type EnvironmentEntry, type PromotionDrive, type PromotionOutcome } from './drive.ts';
export { promotionStorePath } from './store-path.ts';
export { enterFirstEnvironment } from './first-environment.ts';
export { adoptForgeHistory } from './forge-history.ts';
