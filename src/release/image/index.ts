export { buildServiceImage, type BuiltImage, type ServiceImageSpec } from './build.ts';
export { readLayout, blobPath } from './layout.ts';
export { NODE_PATH } from './base-layer.ts';
export type { OciImageConfig, OciManifest, OciDescriptor } from './image-config.ts';
export { MANIFEST_MEDIA_TYPE, CONFIG_MEDIA_TYPE } from './image-config.ts';
export { imageSbom, serializeSbom, sbomFileName, type CycloneDxBom, type SbomSubject } from './sbom.ts';
export type { ImagePackage } from './image-packages.ts';
export { parseImageReference, imageName, registryUrlOf, type ImageReference } from './image-reference.ts';
export type { BaseImageSpec, ImageSource } from './base-image.ts';
