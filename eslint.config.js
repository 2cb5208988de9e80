import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.slipway/', 'examples/**/dist/', 'examples/**/node_modules/', '**/coverage/', '**/reports/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
