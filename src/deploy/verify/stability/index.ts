export { judgeStability, percentile, type Counters, type PodRestarts, type ProbeEvidence, type ProbeSample, type StabilityThresholds, type StabilityVerdict } from './judge.ts';
export { observeStability, stabilityFailure, type ErrorLogCount, type ObserveOptions, type ProbeResponse, type RestartCount, type StabilityProbe } from './observe.ts';
// Types only: kube-signals.ts loads @kubernetes/client-node, so a stage imports it when it needs it.
export type { KubeStabilitySignals, KubeStabilityTarget } from '../../kubernetes/signals/kube-signals.ts';
