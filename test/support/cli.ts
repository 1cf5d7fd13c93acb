import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/output.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the julee CLI in-process with a fixed environment, capturing what it prints. */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stopSignal?: Promise<void> } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const output: Output = {
    out: (text) => {
      stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
  };
  const code = await main(args, {
    env: options.env ?? {},
    output,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.stopSignal === undefined ? {} : { stopSignal: options.stopSignal }),
  });
  return { code, stdout, stderr };
}

/** A line of a V8 stack trace ("    at fn (file.js:1:2)"). */
export const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|<anonymous>)$/m;
