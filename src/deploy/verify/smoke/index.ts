export type { SmokeResult } from './result.ts';
export { runSmokeChecks, smokeFailure, smokeTestEnvironment, type SmokeOptions, type SmokeResults } from './run.ts';
