export { buildServiceImage, type BuiltImage, type ServiceImageSpec } from './build.ts';
export { readLayout, blobPath } from './layout.ts';
export { NODE_PATH } from './base-layer.ts';
export type { OciImageConfig, OciManifest, OciDescriptor } from './image-config.ts';
export { MANIFEST_MEDIA_TYPE, CONFIG_MEDIA_TYPE } from './image-config.ts';
