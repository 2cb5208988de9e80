export { RegistryClient, type RegistryAuth } from './client.ts';
export { pushImage, type PushResult } from './push.ts';
export { startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from './local-registry.ts';
export { promoteImage } from './promote.ts';
