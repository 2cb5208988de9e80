export { RegistryClient, type RegistryAuth, type RegistryClientOptions } from './client.ts';
export { REGISTRY_BINARY, startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from './local-registry.ts';
export { promoteImage } from './promote.ts';
export { LayoutRegistry } from './layout-registry.ts';
export type { BlobPushOutcome, RegistryApi } from './registry-api.ts';
export { openRegistry, type LiveRegistry, type OpenRegistryOptions } from './live-registry.ts';
