export { LocalCache, type CacheUsage, type LocalCacheOptions } from './local-cache.ts';
export type { S3RemoteCache, FetchResult, S3RemoteConfig, UploadResult, WarningListener } from './remote-cache.ts';
export { TieredCache, type CacheStats, type EntryCache, type UploadSummary } from './tiered-cache.ts';
export { openCache, preloadRemoteClient, RunCaches, usageLine, type ConnectOptions, type RemoteCacheConfig } from './open-cache.ts';
export { OutputStamps, restoreOutputs, type PlacedOutputs } from './output-stamps.ts';
export { restoreGlobbedOutputs, saveGlobbedOutputs } from './globbed-outputs.ts';
