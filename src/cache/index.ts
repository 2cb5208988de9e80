export { LocalCache, type LocalCacheOptions } from './local-cache.ts';
