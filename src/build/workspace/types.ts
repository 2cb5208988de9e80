export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute directory of the package. */
  dir: string;
  /** Directory relative to the workspace root, with forward slashes ('.' for a single-package repo). */
  relDir: string;
  scripts: Record<string, string>;
  manifest: Record<string, unknown>;
  /** Names of workspace packages it depends on (dependencies, devDependencies, peer and optional). */
  workspaceDeps: string[];
}

export interface Workspace {
  root: string;
  tool: 'npm' | 'yarn' | 'pnpm' | 'lerna' | 'root';
  packages: WorkspacePackage[];
  /** Absolute path of the lockfile at the root, when there is one. */
  lockfile?: string;
}

export interface HashInputs {
  /** Path relative to the package directory -> git blob id of its content. */
  files: Record<string, string>;
  /** Workspace dependency name -> its package hash. */
  deps: Record<string, string>;
  /** Hash of the package's slice of the lockfile (or of the whole lockfile for non-npm formats). */
  lockfile: string;
  command: string;
  /** Env key -> sha256 of its value ('unset' when absent): values may be secrets, so never stored raw. */
  env: Record<string, string>;
  /** Workspace-level files every package reads (tasks.globalInputs) -> blob id. */
  global: Record<string, string>;
}

export interface PackageHash {
  name: string;
  hash: string;
  inputs: HashInputs;
}

/** What a package's test results are the results of (see hashOfTestInputs). */
export interface TestInputs {
  /** The package's build hash. */
  build: string;
  /** Test input files, relative to the package -> blob id. */
  files: Record<string, string>;
  command: string;
}

export interface TestHash {
  name: string;
  hash: string;
  inputs: TestInputs;
}

/** What a turbo.json prerequisite's cached outputs are the outputs of (see hashOfPrerequisite). */
export interface PrerequisiteInputs {
  /** The build hash of the package whose script it is. */
  build: string;
  command: string;
  /** turbo.json's `outputs` of the task. */
  outputs: string[];
  /** The keys of the prerequisites it runs after, by `pkg#script`. */
  after: Record<string, string>;
}

export interface PrerequisiteHash {
  /** `pkg#script`. */
  name: string;
  hash: string;
  inputs: PrerequisiteInputs;
  /** What its package's build hash is made of, so a miss names the files that changed (not in the key: `inputs.build` is). */
  buildInputs: HashInputs;
}
