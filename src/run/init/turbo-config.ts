import { Failure } from '../../shared/feedback/failure.ts';

/** The part of a Slipway configuration a turbo.json translates into (see config/schema.ts). */
export interface TasksFromTurbo {
  tasks: {
    build?: { script: string; inputs?: string[] };
    test?: { script: string; inputs?: string[] };
    outputs?: string[];
    env?: string[];
    globalInputs?: string[];
  };
  packages: Record<string, { inputs: { build?: string[]; test?: string[] } }>;
  /** What turbo.json says that the configuration does not carry over, one line each. */
  notes: string[];
}

interface TurboTask {
  dependsOn?: string[];
  inputs?: string[];
  outputs?: string[];
  env?: string[];
  cache?: boolean;
  persistent?: boolean;
}

/** A turbo.json as read (parseTurboJson) and where it is, for messages. */
export interface TurboFile {
  path: string;
  json: Record<string, unknown>;
  /** For a package's own turbo.json: that package's name. */
  packageName?: string;
}

/** Turborepo's default inputs: every file git knows in the package. */
const turboDefaultInputs = '$TURBO_DEFAULT$';
const turboRoot = '$TURBO_ROOT$/';
/** The script names Slipway's test task can be, most usual first. */
const testTaskNames = ['test', 'test:unit', 'test:ci'];

/**
 * PURE: the Slipway settings equivalent to a repository's turbo.json files (the root's, and each
 * package's own `extends: ["//"]` one): the build and test scripts, their inputs, the build's
 * outputs, the hashed environment variables and the global inputs. What has no equivalent is
 * listed in `notes` instead of being dropped silently.
 */
export function tasksFromTurbo(
  root: TurboFile,
  packageFiles: TurboFile[],
  workspace: { packageNames: string[]; defaultGlobalInputs: string[] },
): TasksFromTurbo {
  const rootJson = root.json;
  const tasks = taskTable(rootJson, root.path);
  const notes: string[] = [];
  const result: TasksFromTurbo = { tasks: {}, packages: {}, notes };

  const build = tasks.get('build');
  if (build) {
    result.tasks.build = { script: 'build', ...inputsOf(build, 'build', root.path, notes) };
    if (build.outputs) result.tasks.outputs = outputsOf(build.outputs, 'build', root.path, notes);
    taskNotes('build', build, root.path, notes);
  } else notes.push(`${root.path} has no "build" task: Slipway runs each package's "build" script where it has one`);

  const testName = testTaskNames.find((name) => tasks.has(name));
  if (testName) {
    const test = tasks.get(testName)!;
    result.tasks.test = { script: testName, ...inputsOf(test, testName, root.path, notes) };
    taskNotes(testName, test, root.path, notes);
  }

  const env = [
    ...stringList(rootJson.globalEnv, 'globalEnv', root.path),
    ...(build?.env ?? []),
    ...(testName ? (tasks.get(testName)!.env ?? []) : []),
  ];
  const plainEnv = [...new Set(env.filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)))];
  const patterns = env.filter((name) => !plainEnv.includes(name));
  if (patterns.length)
    notes.push(
      `${root.path}: environment patterns ${[...new Set(patterns)].join(', ')} are not carried over: tasks.env takes exact variable names`,
    );
  if (plainEnv.length) result.tasks.env = plainEnv;

  const globalDependencies = stringList(rootJson.globalDependencies, 'globalDependencies', root.path);
  const rootInputs = [...tasks.values()].flatMap((task) => (task.inputs ?? []).filter((input) => input.startsWith(turboRoot)));
  const global = [...globalDependencies, ...rootInputs.map((input) => input.slice(turboRoot.length))];
  if (global.length) result.tasks.globalInputs = [...new Set([...workspace.defaultGlobalInputs, ...global])];

  const notRun: string[] = [];
  for (const [key, task] of tasks) {
    const hash = key.lastIndexOf('#');
    if (hash === -1) {
      if (key !== 'build' && key !== testName) notRun.push(key);
    } else if (!workspace.packageNames.includes(key.slice(0, hash)) && key.slice(0, hash) !== '//') {
      notes.push(`${root.path}: "${key}" names no workspace package`);
    } else if (!addPackageTask(result, key.slice(0, hash), key.slice(hash + 1), task, testName, root.path)) notRun.push(key);
  }
  for (const file of packageFiles) {
    for (const [name, task] of taskTable(file.json, file.path))
      if (!addPackageTask(result, file.packageName!, name, task, testName, file.path))
        notRun.push(`${file.packageName}#${name} (${file.path})`);
  }
  if (notRun.length)
    notes.push(`tasks ${notRun.join(', ')} are not run by Slipway: it runs each package's build and ${testName ?? 'test'}`);
  return result;
}

/** A `pkg#task` setting carried into the package's overrides; false when it is not a task Slipway runs. */
function addPackageTask(
  result: TasksFromTurbo,
  pkg: string,
  name: string,
  task: TurboTask,
  testName: string | undefined,
  file: string,
): boolean {
  const kind = name === 'build' ? 'build' : name === testName ? 'test' : undefined;
  if (pkg === '//' || !kind) return false;
  const { inputs } = inputsOf(task, `${pkg}#${name}`, file, result.notes);
  if (inputs) (result.packages[pkg] ??= { inputs: {} }).inputs[kind] = inputs;
  // tasks.outputs applies to every package: a package's own output folders join it.
  if (kind === 'build' && task.outputs) {
    const outputs = outputsOf(task.outputs, `${pkg}#${name}`, file, result.notes);
    result.tasks.outputs = [...new Set([...(result.tasks.outputs ?? ['dist']), ...outputs])];
  }
  taskNotes(`${pkg}#${name}`, task, file, result.notes);
  return true;
}

function inputsOf(task: TurboTask, name: string, file: string, notes: string[]): { inputs?: string[] } {
  if (!task.inputs) return {};
  const inputs = task.inputs.filter((input) => !input.startsWith(turboRoot)).map((input) => (input === turboDefaultInputs ? '**' : input));
  const unsupported = inputs.filter((input) => input.includes('$'));
  if (unsupported.length) notes.push(`${file}: inputs ${unsupported.join(', ')} of "${name}" are not carried over`);
  return { inputs: inputs.filter((input) => !unsupported.includes(input)) };
}

function outputsOf(outputs: string[], name: string, file: string, notes: string[]): string[] {
  const negated = outputs.filter((output) => output.startsWith('!'));
  if (negated.length)
    notes.push(`${file}: negated outputs ${negated.join(', ')} of "${name}" are not carried over: their files are cached too`);
  return outputs.filter((output) => !output.startsWith('!'));
}

/** What a task's settings mean that the configuration cannot say. */
function taskNotes(name: string, task: TurboTask, file: string, notes: string[]): void {
  const script = name.slice(name.lastIndexOf('#') + 1);
  // A build's dependsOn is read from turbo.json by every run (build/workspace/turbo.ts); a test's
  // ^build and build are Slipway's order, and pre<script> runs first as npm runs it.
  const covered = ['^build', `^${script}`, `pre${script}`, 'build'];
  const extra = script === 'build' ? [] : (task.dependsOn ?? []).filter((dependency) => !covered.includes(dependency));
  if (extra.length)
    notes.push(`${file}: "${name}" depends on ${extra.join(', ')}: Slipway runs tests after every build, and nothing else before them`);
  if (task.cache === false) notes.push(`${file}: "${name}" has cache: false; Slipway caches it by its inputs`);
  if (task.persistent) notes.push(`${file}: "${name}" is persistent (a dev server?); Slipway runs it to completion`);
}

/** Turborepo 2's `tasks`, or 1's `pipeline`, each task's settings checked as far as we use them. */
function taskTable(json: Record<string, unknown>, file: string): Map<string, TurboTask> {
  const table = json.tasks ?? json.pipeline ?? {};
  const field = json.tasks !== undefined ? 'tasks' : 'pipeline';
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new Failure(`${file}: "${field}" is not an object`);
  return new Map(
    Object.entries(table).map(([name, raw]) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Failure(`${file}: ${field}.${name} is not an object`);
      const task = raw as Record<string, unknown>;
      const at = `${field}.${name}`;
      return [
        name,
        {
          dependsOn: optionalList(task.dependsOn, `${at}.dependsOn`, file),
          inputs: optionalList(task.inputs, `${at}.inputs`, file),
          outputs: optionalList(task.outputs, `${at}.outputs`, file),
          env: optionalList(task.env, `${at}.env`, file),
          cache: task.cache === undefined ? undefined : task.cache === true,
          persistent: task.persistent === true,
        },
      ];
    }),
  );
}

function optionalList(value: unknown, field: string, file: string): string[] | undefined {
  return value === undefined ? undefined : stringList(value, field, file);
}

function stringList(value: unknown, field: string, file: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new Failure(`${file}: ${field} is not a list of strings`);
  return value as string[];
}
