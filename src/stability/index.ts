export { judgeStability, percentile, type Counters, type ProbeEvidence, type ProbeSample, type StabilityThresholds, type StabilityVerdict } from './judge.ts';
export { observeStability, stabilityFailure, type ObserveOptions } from './observe.ts';
