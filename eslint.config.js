// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The boundaries of docs/architecture.md: who may import what. Tests and scripts may import anything. */
const forbid = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
const drivers = { group: ['pg', 'mysql2', 'mysql2/*'], message: 'database drivers belong to the operator engines and the console runner' };
const parsers = { group: ['libpg-query', 'node-sql-parser'], message: "SQL parsers belong to the console's guard" };
const model = { group: ['openai', 'openai/*'], message: "the model client belongs to the console's AI module" };
const mcp = { group: ['@modelcontextprotocol/*'], message: "the MCP SDK belongs to the console's MCP module" };
const otherProgram = (name) => ({ group: [`**/${name}/**`, `**/${name}/*`], message: `the operator and the console meet only through the Kubernetes API; share code through @dbwarden/api` });
const boundaries = [
  { files: ['api/src/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([drivers, parsers, model, mcp, otherProgram('operator'), otherProgram('console')]) },
  { files: ['operator/src/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([parsers, model, mcp, otherProgram('console')]) },
  { files: ['operator/src/**/*.ts'], ignores: ['**/*.test.ts', 'operator/src/engines/**'], rules: forbid([drivers, parsers, model, mcp, otherProgram('console')]) },
  { files: ['console/server/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([otherProgram('operator'), drivers, parsers, model, mcp]) },
  { files: ['console/server/runner/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([otherProgram('operator'), parsers, model, mcp]) },
  { files: ['console/server/guard/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([otherProgram('operator'), drivers, model, mcp]) },
  { files: ['console/server/ai/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([otherProgram('operator'), drivers, parsers, mcp]) },
  { files: ['console/server/mcp/**/*.ts'], ignores: ['**/*.test.ts'], rules: forbid([otherProgram('operator'), drivers, parsers, model]) },
  {
    files: ['console/web/src/**/*.ts'],
    rules: forbid([drivers, parsers, model, mcp, otherProgram('operator'), { group: ['**/server/**'], allowTypeImports: true, message: 'the web app talks to the server over HTTP; it may import types only' }]),
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.dev/**', '.scratch/**', 'console/web/dist/**', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Lit calls listeners bound in templates (@click=${this.method}) with the element as `this`.
    files: ['console/web/src/elements/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  ...boundaries,
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
