/** A path into the configuration: mapping keys and sequence indexes. */
export type ConfigPath = readonly (string | number)[];

/** RFC 6901 JSON Pointer of a path. */
export function toPointer(path: ConfigPath): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The dotted form used in diagnostics: repositories.document.bucket, plugins[0]. */
export function toDotted(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
