export { RegistryClient, type RegistryAuth } from './client.ts';
export { pushImage, type PushResult } from './push.ts';
export { REGISTRY_BINARY, startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from './local-registry.ts';
export { promoteImage } from './promote.ts';
export { LayoutRegistry } from './layout-registry.ts';
export type { RegistryApi } from './registry-api.ts';
