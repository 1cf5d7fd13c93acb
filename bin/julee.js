#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
// The AWS SDK warns on every start that it will drop Node 20; julee supports Node 20, so the
// warning is noise for operators (set the variable to "false" to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/src/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
