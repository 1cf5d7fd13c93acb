/** Architecture rules, checked in CI by `npm run lint` (depcruise src plugins). */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'src/domain holds entities, ports and use cases: it imports only itself, the shared error ' +
        'kernel, ajv, and node:crypto. No frameworks, no infrastructure, no I/O.',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '\\.test\\.ts$' },
      to: {
        pathNot: [
          '^src/domain/',
          '^src/errors/',
          '^schemas/',
          '^node_modules/(ajv|ajv-formats)/',
          '^crypto$',
          '^node:crypto$',
        ],
      },
    },
    {
      name: 'plugins-use-public-api',
      comment: 'Plugins import the runtime only through src/plugin-api (the public plugin API).',
      severity: 'error',
      from: { path: '^plugins/' },
      to: { path: '^src/', pathNot: '^src/(plugin-api|testing)/' },
    },
    {
      name: 'testing-kit-only-in-tests',
      comment: 'The conformance kits (src/testing) import vitest: only test files may use them.',
      severity: 'error',
      from: { path: '^(src|plugins)/', pathNot: '(\\.test\\.ts$|^src/testing/)' },
      to: { path: '^src/testing/' },
    },
    {
      name: 'no-test-imports',
      comment: 'Production code never imports from a test folder or a test file.',
      severity: 'error',
      from: { path: '^(src|plugins)/', pathNot: '\\.test\\.ts$' },
      to: { path: '(^test/|\\.test\\.ts$)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
