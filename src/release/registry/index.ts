export { RegistryClient, type RegistryAuth, type RegistryClientOptions } from './client.ts';
export { pushImage, type PushOptions, type PushResult } from './push.ts';
export { REGISTRY_BINARY, startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from './local-registry.ts';
export { promoteImage } from './promote.ts';
export { LayoutRegistry } from './layout-registry.ts';
export type { BlobPushOutcome, RegistryApi } from './registry-api.ts';
