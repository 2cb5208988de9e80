import type { Config } from '../../config/schema.ts';
import { testFilePatterns } from '../../config/task-inputs.ts';
import type { CompiledTests } from './compiled-tests.ts';
import { discoverWorkspace } from './discover.ts';
import type { WorkTreeListing } from './files.ts';
import { dependentsOf } from './graph.ts';
import { hashOfPrerequisite, hashOfTestInputs, hashPackages, onlyInputs, readHashSources, type HashSources } from './hash.ts';
import { inputMatcher } from './outputs.ts';
import { resolvePackageTasks, scriptText, type PackageTasks } from './package-tasks.ts';
import { buildPrerequisites, readTurboJson, withPrerequisites, type Prerequisite } from './turbo.ts';
import type { PackageHash, PrerequisiteHash, TestHash, Workspace } from './types.ts';

/** Test files, as build inputs of a package whose build compiles them. */
const testFilesAsInputs = [...testFilePatterns];

/**
 * Every package's tasks, build hash and test key, as the packages and unit stages run by and
 * `slipway why` explains. A build found to write compiled tests changes its package's hashes
 * (see `compiledTestsFound`).
 */
export class TaskInputs {
  hashes: Map<string, PackageHash>;
  tests: Map<string, TestHash>;

  private constructor(
    /** The workspace, each package also depending on the packages whose scripts its build needs first. */
    readonly workspace: Workspace,
    readonly tasks: Map<string, PackageTasks>,
    /** Scripts each build needs run first, in order (turbo.json's dependsOn). */
    readonly prerequisites: Map<string, Prerequisite[]>,
    private readonly sources: HashSources,
    private readonly config: Config,
    /** Packages whose builds write compiled tests, with one such file. */
    readonly compiledTests: Map<string, string>,
  ) {
    [this.hashes, this.tests] = this.hash();
    this.prerequisiteById = new Map([...prerequisites.values()].flat().map((p) => [`${p.package}#${p.script}`, p]));
  }

  /** Every prerequisite of a build, by `pkg#script`. */
  readonly prerequisiteById: ReadonlyMap<string, Prerequisite>;

  static async read(repoDir: string, config: Config, compiledTests: CompiledTests, workTree?: WorkTreeListing): Promise<TaskInputs> {
    const discovered = await discoverWorkspace(repoDir);
    const tasks = resolvePackageTasks(discovered, config);
    const prerequisites = buildPrerequisites(discovered, await readTurboJson(repoDir), tasks);
    const workspace = withPrerequisites(discovered, prerequisites);
    const [sources, compiled] = await Promise.all([
      readHashSources(workspace, {
        outputs: [...config.tasks.outputs, 'coverage', 'reports'],
        globalInputs: config.tasks.globalInputs,
        workTree,
      }),
      compiledTests.read(workspace.packages.map((pkg) => pkg.name)),
    ]);
    return new TaskInputs(workspace, tasks, prerequisites, sources, config, compiled);
  }

  /**
   * What a build of `name` just showed: a compiled test in its outputs, or none. When that differs
   * from what its hash assumed, its hashes and its dependents' are made again (its test files in
   * or out of its build inputs); true when they changed. Its dependents have not started: they
   * wait for it.
   */
  compiledTestsFound(name: string, file: string | undefined): boolean {
    if (this.compiledTests.has(name) === (file !== undefined)) return false;
    if (file === undefined) this.compiledTests.delete(name);
    else this.compiledTests.set(name, file);
    const changed = new Set([name, ...dependentsOf(this.workspace, [name])]);
    [this.hashes, this.tests] = this.hash((pkg) => !changed.has(pkg));
    return true;
  }

  /**
   * The key of a turbo.json prerequisite (`pkg#script`, one of `prerequisites`) and what it is
   * made of, from the current build hashes: asked for when it is about to run, after its
   * package's build showed whether it compiles tests.
   */
  prerequisiteHash(id: string): PrerequisiteHash {
    const prerequisite = this.prerequisiteById.get(id);
    if (!prerequisite) throw new Error(`${id} is no prerequisite of a build`);
    const owner = this.hashes.get(prerequisite.package)!;
    const pkg = this.workspace.packages.find((p) => p.name === prerequisite.package)!;
    const inputs = {
      build: owner.hash,
      command: scriptText(pkg, prerequisite.script) ?? '',
      outputs: prerequisite.outputs,
      after: Object.fromEntries(prerequisite.after.map((after) => [after, this.prerequisiteHash(after).hash])),
    };
    return { name: id, hash: hashOfPrerequisite(id, inputs), inputs, buildInputs: owner.inputs };
  }

  /** Whether a path (relative to the package) is one of its sources: tracked, or untracked and not ignored. */
  isSourceFile(name: string, relPath: string): boolean {
    return Object.hasOwn(this.sources.files.get(name)!, relPath);
  }

  /** Each package's files that are inputs of a task, filtered once per run (and per compiled-tests verdict). */
  private readonly inputFiles = new Map<string, Record<string, string>>();

  /** The hashes of every package, those `unchanged` says of taken from the current ones. */
  private hash(unchanged: (name: string) => boolean = () => false): [Map<string, PackageHash>, Map<string, TestHash>] {
    const { workspace, tasks, sources, config, compiledTests } = this;
    const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
    const scriptOf = (p: Prerequisite) => scriptText(byName.get(p.package)!, p.script);
    const filesOf = (name: string, kind: 'build' | 'test') => {
      const compiled = kind === 'build' && compiledTests.has(name);
      const id = `${kind}\0${compiled}\0${name}`;
      if (!this.inputFiles.has(id)) {
        const patterns = kind === 'build' ? tasks.get(name)!.buildInputs : tasks.get(name)!.testInputs;
        this.inputFiles.set(
          id,
          onlyInputs(sources.files.get(name)!, inputMatcher(compiled ? [...patterns, ...testFilesAsInputs] : patterns)),
        );
      }
      return this.inputFiles.get(id)!;
    };
    const hashes = hashPackages(
      workspace,
      { ...sources, files: new Map(workspace.packages.map((pkg) => [pkg.name, filesOf(pkg.name, 'build')])) },
      {
        task: 'build',
        command: (pkg) => {
          const build = scriptText(pkg, tasks.get(pkg.name)!.build?.script ?? config.tasks.build.script) ?? '';
          const before = (this.prerequisites.get(pkg.name) ?? []).map((p) => `${p.package}#${p.script}: ${scriptOf(p)}`);
          return before.length ? `${build} (after ${before.join('; ')})` : build;
        },
        envKeys: config.tasks.env.map((variable) => variable.name),
      },
      new Map(workspace.packages.filter((pkg) => unchanged(pkg.name)).map((pkg) => [pkg.name, this.hashes.get(pkg.name)!])),
    );
    const tests = new Map(
      workspace.packages.map((pkg): [string, TestHash] => {
        if (unchanged(pkg.name)) return [pkg.name, this.tests.get(pkg.name)!];
        const packageTasks = tasks.get(pkg.name)!;
        const inputs = {
          build: hashes.get(pkg.name)!.hash,
          files: filesOf(pkg.name, 'test'),
          command: scriptText(pkg, packageTasks.test?.script ?? config.tasks.test.script) ?? '',
        };
        return [pkg.name, { name: pkg.name, hash: hashOfTestInputs(pkg.name, inputs), inputs }];
      }),
    );
    return [hashes, tests];
  }
}
