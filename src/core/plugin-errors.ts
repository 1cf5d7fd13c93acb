import { JuleeError } from '../errors/julee-error.js';

export type PluginErrorCode =
  | 'JULEE_PLUGIN_NOT_INSTALLED'
  | 'JULEE_PLUGIN_LOAD_FAILED'
  | 'JULEE_PLUGIN_API_MISMATCH'
  | 'JULEE_PLUGIN_INVALID'
  | 'JULEE_PLUGIN_DUPLICATE'
  | 'JULEE_PLUGIN_CREATE_FAILED'
  | 'JULEE_PLUGIN_START_FAILED'
  | 'JULEE_PLUGIN_START_INTERRUPTED'
  | 'JULEE_PLUGIN_TIMEOUT';

/** A plugin could not be found, loaded, created or started. */
export class PluginError extends JuleeError {
  constructor(
    code: PluginErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
  }
}

/** The messages of an error and its causes, joined: "a: b: c". Never a stack trace. */
export function causeChain(error: unknown, limit = 4): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && parts.length < limit) {
    if (current instanceof Error) {
      const message = current.message.split('\n')[0]!.trim();
      if (message !== '' && !parts.includes(message)) parts.push(message);
      current = current.cause;
    } else {
      parts.push(describeThrown(current));
      break;
    }
  }
  return parts.join(': ') || 'unknown error';
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    // A circular or exotic value: its type is all we can safely say.
    return typeof value;
  }
}
