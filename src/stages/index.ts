import type { PipelineStage } from './context.ts';
import { browser } from './browser.ts';
import { coverage } from './coverage.ts';
import { deploy } from './deploy.ts';
import { deps } from './deps.ts';
import { image } from './image.ts';
import { integration } from './integration.ts';
import { k8sAssets } from './k8s-assets.ts';
import { k8sTests } from './k8s-tests.ts';
import { packages } from './packages.ts';
import { promoteStage } from './promote.ts';
import { publish } from './publish.ts';
import { push } from './push.ts';
import { release } from './release.ts';
import { scan } from './scan.ts';
import { smoke } from './smoke.ts';
import { stability } from './stability.ts';
import { trigger } from './trigger.ts';
import { unit } from './unit.ts';
import { version } from './version.ts';

/** The pipeline of DESIGN.md, in order; the engine runs it as a graph by each stage's needs. */
export const pipelineStages: PipelineStage[] = [
  trigger,
  deps,
  packages,
  unit,
  coverage,
  browser,
  version,
  image,
  scan,
  push,
  release,
  integration,
  k8sAssets,
  k8sTests,
  deploy,
  smoke,
  stability,
  publish,
  promoteStage(['publish']),
] as PipelineStage[];
