// TypeScript lint gate (`npm run lint`, run by .ci/run): typescript-eslint's recommended rules
// over the sources, tests, benchmarks and examples; build output and generated bindings are not linted.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'native/**', 'node_modules/**', 'target/**', 'crates/**', '.ci/node/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a deliberately unused parameter (interface conformance)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
