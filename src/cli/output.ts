import { codeFrame, formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';

/** Where the CLI writes; tests capture both streams. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Human-readable diagnostics with a source excerpt, then a one-line summary. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
): string {
  const lines: string[] = [];
  for (const d of diagnostics) {
    lines.push(formatDiagnostic(d));
    const text = d.line > 0 && d.secret !== true ? sourceText(d.file) : undefined;
    if (text !== undefined) {
      const frame = codeFrame(text, d.line, d.col);
      if (frame !== '') lines.push(frame);
    }
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  lines.push(
    `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return lines.join('\n');
}

/** The JSON form of `validate --format json`, documented in the README. */
export function diagnosticsJson(file: string, diagnostics: readonly Diagnostic[]): string {
  return JSON.stringify(
    {
      file,
      valid: !diagnostics.some((d) => d.severity === 'error'),
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
      diagnostics,
    },
    null,
    2,
  );
}
