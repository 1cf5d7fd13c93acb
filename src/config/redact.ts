import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import type { LoadedConfiguration } from './load.js';
import { secretPaths } from './schema-tools.js';

export const REDACTED = '<redacted>';

function setAt(target: unknown, path: readonly (string | number)[], value: unknown): void {
  let current = target;
  for (const segment of path.slice(0, -1)) {
    if (current === null || typeof current !== 'object') return;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  const last = path[path.length - 1];
  if (
    last !== undefined &&
    current !== null &&
    typeof current === 'object' &&
    String(last) in current
  ) {
    (current as Record<string, unknown>)[String(last)] = value;
  }
}

/**
 * The effective configuration (every default filled in, plugin options included) with every
 * secret value replaced by "<redacted>". There is deliberately no way to print secrets.
 */
export function redactedConfig(loaded: LoadedConfiguration): Record<string, unknown> {
  const effective = structuredClone(loaded.source.data) as Record<string, unknown>;
  for (const path of secretPaths(configSchema, effective)) setAt(effective, path, REDACTED);
  const done = new Set<string>();
  for (const plan of loaded.instances) {
    const key = plan.path.join('.');
    if (done.has(key)) continue;
    done.add(key);
    const entry: Record<string, unknown> = {
      type: plan.plugin.type,
      ...structuredClone(plan.options),
    };
    for (const secret of plan.secretPaths) setAt(entry, secret, REDACTED);
    setAt(effective, plan.path, entry);
  }
  return effective;
}
