export {
  judgeStability,
  percentile,
  type Counters,
  type PodRestarts,
  type ProbeEvidence,
  type ProbeSample,
  type StabilityThresholds,
  type StabilityVerdict,
} from './judge.ts';
export {
  describeVerdict,
  observeStability,
  stabilityFailure,
  verifyStability,
  type ErrorLogCount,
  type ObserveOptions,
  type ProbeResponse,
  type RestartCount,
  type StabilityProbe,
} from './observe.ts';
