export type { Finding, KubeObject } from './types.ts';
export { renderManifests } from './render.ts';
export { findingsFailure, validateManifests } from './validate.ts';
export { manifestFiles, writeManifests, type ManifestFile } from './write.ts';
