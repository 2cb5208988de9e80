import type { Workspace } from '../build/workspace/types.ts';

/** A workspace of packages named by the keys, each depending on the listed packages. */
export function workspaceOf(deps: Record<string, string[]>): Workspace {
  return {
    root: '/repo',
    tool: 'npm',
    packages: Object.entries(deps).map(([name, workspaceDeps]) => ({
      name,
      version: '1.0.0',
      dir: `/repo/packages/${name}`,
      relDir: `packages/${name}`,
      scripts: {},
      manifest: {},
      workspaceDeps,
    })),
  };
}
