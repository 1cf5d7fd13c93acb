import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigAjv } from '../../src/config/schema-tools.js';
import { builtinPluginFolders } from '../../src/core/builtin-plugins.js';
import { loadPluginModule } from '../../src/core/plugin-loader.js';
import { ROOT } from './support.js';

const folders = readdirSync(join(ROOT, 'plugins')).filter((name) =>
  statSync(join(ROOT, 'plugins', name)).isDirectory(),
);

describe('built-in plugins', () => {
  it('finds the plugin folders', () => {
    expect(folders.length).toBeGreaterThanOrEqual(5);
  });

  it('every folder in plugins/ MUST be a registered built-in, and every built-in MUST exist', () => {
    expect(
      builtinPluginFolders()
        .map((f) => f.name)
        .sort(),
    ).toEqual([...folders].sort());
  });

  it.each(folders)('%s MUST have a README and load through the plugin loader', async (folder) => {
    expect(existsSync(join(ROOT, 'plugins', folder, 'README.md'))).toBe(true);
    const loaded = await loadPluginModule(join(ROOT, 'plugins', folder), ROOT, 'builtin');
    expect(loaded.length).toBeGreaterThan(0);
    for (const plugin of loaded) {
      expect(folder).toBe(`${plugin.kind}-${plugin.type}`);
      expect(plugin.definition.description, `${folder} has no description`).toBeTruthy();
    }
  });

  it.each(folders)('%s MUST have a strict options schema that compiles', async (folder) => {
    const [plugin] = await loadPluginModule(join(ROOT, 'plugins', folder), ROOT, 'builtin');
    const schema = plugin!.definition.optionsSchema as {
      type?: string;
      additionalProperties?: unknown;
    };
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(() => createConfigAjv().compile(schema)).not.toThrow();
  });
});
