import { describe, expect, it } from 'vitest';
import { Failure } from '../shared/feedback/failure.ts';
import { validateConfig } from './validate.ts';

const problems = (raw: Record<string, unknown>): string[] => {
  try {
    validateConfig({ project: 'p', ...raw }, 'slipway.config.ts');
  } catch (error) {
    if (error instanceof Failure) return error.details;
    throw error;
  }
  return [];
};

describe('tasks and packages in the configuration', () => {
  it('normalizes a script name or an object to { script, inputs }, with inputs that keep tests out of builds', () => {
    const { tasks } = validateConfig({ project: 'p', tasks: { build: 'compile', test: { inputs: ['src/**', 'test/**'] } } }, 'c');
    expect(tasks.build).toEqual({
      script: 'compile',
      inputs: ['**', '!**/*.test.*', '!**/*.spec.*', '!test/**', '!tests/**', '!**/__tests__/**', '!**/__snapshots__/**'],
    });
    expect(tasks.test).toEqual({ script: 'test', inputs: ['src/**', 'test/**'] });
    expect(validateConfig({ project: 'p' }, 'c').tasks.test).toEqual({ script: 'test', inputs: ['**'] });
    expect(validateConfig({ project: 'p' }, 'c').packages).toEqual({});
  });

  it('names the field of an unknown key, a misspelt override and inputs that start with a negation', () => {
    expect(problems({ tasks: { build: { script: 'b', input: ['**'] } } })).toEqual(['tasks.build: Unrecognized key: "input"']);
    expect(problems({ tasks: { test: { inputs: ['!**/*.md'] } } })).toEqual([
      'tasks.test.inputs: the first pattern is a negation, which takes out of nothing: start with the files to include, e.g. ["**", "!docs/**"]',
    ]);
    expect(problems({ packages: { docs: { skip: true, scripts: {} } } })).toEqual(['packages.docs: Unrecognized key: "scripts"']);
    expect(problems({ packages: { docs: { build: true } } })).toEqual([
      'packages.docs.build: a script name of the package, or false for none',
    ]);
    expect(problems({ packages: { docs: { inputs: { lint: ['**'] } } } })).toEqual(['packages.docs.inputs: Unrecognized key: "lint"']);
  });
});
