export { dependencyCacheKey, dependencyDeclarations, type DependencyKeyInputs } from './key.ts';
export { restoreOrInstall, type DepsResult } from './restore-or-install.ts';
export { packageManagerFor, packageManagerVersion, type PackageManager } from './package-manager.ts';
