export type { SmokeResult } from './result.ts';
export { runSmokeChecks, smokeFailure, type SmokeOptions } from './run.ts';
