import { z } from 'zod';
import { defaultBuildInputs, defaultTestInputs } from './task-inputs.ts';

/** Package-relative globs in order, `!` ones taking out what earlier ones put in (Turborepo's `inputs`). */
const inputs = z
  .array(z.string().min(1))
  .min(1)
  .refine((patterns) => !patterns[0].startsWith('!'), {
    message: 'the first pattern is a negation, which takes out of nothing: start with the files to include, e.g. ["**", "!docs/**"]',
  });

/** A task: a script name (as in package.json), or `{ script, inputs }`; normalized to the object. */
function taskSchema(defaultScript: string, defaultInputs: string[]) {
  return z
    .union([z.string().min(1), z.strictObject({ script: z.string().min(1).default(defaultScript), inputs: inputs.optional() })])
    .default(defaultScript)
    .transform((task) => {
      const { script, inputs: given } = typeof task === 'string' ? { script: task, inputs: undefined } : task;
      return { script, inputs: given ?? defaultInputs };
    });
}

export const buildTaskSchema = taskSchema('build', defaultBuildInputs);
export const testTaskSchema = taskSchema('test', defaultTestInputs);

/** Another script for one package's task, or `false` for none. */
const scriptOverride = z.union([z.string().min(1), z.literal(false)], { error: 'a script name of the package, or false for none' });

/**
 * Per-package settings, keyed by a package name or a glob of names ("docs", "@scope/*"); several
 * matching keys merge in file order, later ones winning. `skip`: Slipway runs none of the
 * package's tasks (it is still hashed, so its dependents stay correct).
 */
export const packagesSchema = z
  .record(
    z.string().min(1),
    z.strictObject({
      build: scriptOverride.optional(),
      test: scriptOverride.optional(),
      inputs: z.strictObject({ build: inputs.optional(), test: inputs.optional() }).optional(),
      skip: z.boolean().optional(),
    }),
  )
  .default({});

export type PackageOverride = z.output<typeof packagesSchema>[string];
