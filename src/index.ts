// The package root: the plugin contract, for `import { definePlugin } from 'julee-runtime'`.
export * from './plugin-api/index.js';
