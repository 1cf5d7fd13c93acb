/** One problem found in the configuration, with where it is and what would fix it. */
export interface Diagnostic {
  /** Stable code, e.g. JULEE_CONFIG_UNKNOWN_KEY (docs/errors.md lists them all). */
  readonly code: string;
  readonly severity: 'error' | 'warning';
  /** The file the problem is in; "<embedded defaults>" or "<environment>" when there is none. */
  readonly file: string;
  /** 1-based line and column, 0 when the problem has no position in the file. */
  readonly line: number;
  readonly col: number;
  /** Dotted path of the setting, e.g. "repositories.document.bucket" ("" for the whole file). */
  readonly path: string;
  readonly message: string;
  readonly expected?: string;
  readonly found?: string;
  /** A suggestion, e.g. a did-you-mean. */
  readonly hint?: string;
  /** The value at this place is secret: renderers show no excerpt of the source line. */
  readonly secret?: boolean;
}

/** Key names whose values are treated as secrets even where no schema says so. */
const SECRET_KEY_NAME = /(^|_|-)(key|secret|password|passwd|token|credentials?)$/i;

export function looksSecret(key: string | number | undefined): boolean {
  return typeof key === 'string' && SECRET_KEY_NAME.test(key);
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      a.path.localeCompare(b.path) ||
      a.code.localeCompare(b.code),
  );
}

/** `file:line:col: error CODE path: message (expected ..., found ...) hint` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const setting = d.path === '' ? '' : ` ${d.path}:`;
  const facts: string[] = [];
  if (d.expected !== undefined) facts.push(`expected ${d.expected}`);
  if (d.found !== undefined) facts.push(`found ${d.found}`);
  const detail = facts.length > 0 ? ` (${facts.join(', ')})` : '';
  const hint = d.hint !== undefined ? `\n    hint: ${d.hint}` : '';
  return `${where}: ${d.severity} ${d.code}${setting} ${d.message}${detail}${hint}`;
}

/** Renders the line of the source a diagnostic points at, with a caret under its column. */
export function codeFrame(text: string, line: number, col: number): string {
  const lines = text.split(/\r?\n/);
  const source = lines[line - 1];
  if (line < 1 || source === undefined) return '';
  const gutter = String(line).padStart(4);
  return `${gutter} | ${source}\n${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(col - 1, 0))}^`;
}

/** A short, safe rendering of a found value for a diagnostic (never more than 60 characters). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `"${shown}" (a string)`;
    }
    case 'number':
      return `${value} (a number)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** Edit distance, for did-you-mean suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest candidate to `word`, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
