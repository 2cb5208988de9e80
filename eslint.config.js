import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, top to bottom (ARCHITECTURE.md): a folder imports only from the folders
 * below it. Folders on one line are siblings and do not import each other.
 */
const layers = [['cli'], ['run', 'demo', 'dashboard'], ['stages'], ['deploy'], ['release'], ['build'], ['config', 'engine'], ['shared']];

/** For each folder, the folders it must not import: its own siblings and every layer above it. */
const layerZones = layers
  .flatMap((layer, depth) =>
    layer.map((folder) => ({
      target: `./src/${folder}`,
      from: [...layers.slice(0, depth).flat(), ...layer.filter((other) => other !== folder)].map((other) => `./src/${other}`),
      message: `src/${folder} sits below these folders: dependencies point down only (see ARCHITECTURE.md).`,
    })),
  )
  .filter((zone) => zone.from.length > 0);

/** How import-x finds and reads the modules an import names: our imports carry their .ts extension. */
const importSettings = {
  'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js'] })],
  'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
  'import-x/extensions': ['.ts', '.mjs', '.js'],
};

export default tseslint.config(
  { ignores: ['node_modules/', '.slipway/', 'examples/**/dist/', 'examples/**/node_modules/', '**/coverage/', '**/reports/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: importSettings,
    rules: {
      // Tests included: a cycle makes module load order matter wherever it is.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Product code only: a test may reach across the layers to the behaviour it checks.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/test-support/**'],
    plugins: { 'import-x': importX },
    settings: importSettings,
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src',
              from: './src/test-support',
              message: 'Stand-ins and fixtures are for tests: product code never imports src/test-support.',
            },
            ...layerZones,
            {
              target: './src/release/registry',
              from: './src/release/image',
              message: 'The registry client knows manifests and blobs, not how images are built: image/ uses registry/, not the other way.',
            },
          ],
        },
      ],
    },
  },
);
