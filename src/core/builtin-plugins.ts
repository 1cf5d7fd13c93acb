import { fileURLToPath } from 'node:url';

/** The plugins shipped in plugins/, loaded through the same path as third-party ones. */
const BUILTIN_FOLDERS = [
  'repository-memory',
  'repository-filesystem',
  'repository-s3',
  'repository-minio',
  'service-anthropic',
  'service-openai',
  'service-scripted',
  'auth-api-key',
];

export function builtinPluginFolders(): { name: string; path: string }[] {
  // From src/core/ (or dist/src/core/) up to the package root, then plugins/<name>/.
  return BUILTIN_FOLDERS.map((name) => ({
    name,
    path: fileURLToPath(new URL(`../../plugins/${name}/`, import.meta.url)),
  }));
}
