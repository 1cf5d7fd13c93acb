import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document as YamlDocument,
  type Node as YamlNode,
} from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { toDotted, toPointer, type ConfigPath } from './pointer.js';

export interface Position {
  readonly line: number;
  readonly col: number;
}

interface NodeLocation {
  readonly key?: Position;
  readonly value: Position;
}

/**
 * A configuration file parsed to plain data, keeping the position of every key and value so that
 * later checks (interpolation, schema, plugins) can point at file:line:col.
 */
export class ConfigSource {
  private readonly locations = new Map<string, NodeLocation>();

  constructor(
    readonly file: string,
    readonly text: string,
    /** The parsed data; undefined when the file is empty. */
    public data: unknown,
    locations?: Map<string, NodeLocation>,
  ) {
    if (locations) this.locations = locations;
  }

  /**
   * Where a setting is. `key` points at the key of a mapping entry (for unknown keys), `value` at
   * its value. A path that does not exist (a missing key) resolves to its nearest parent.
   */
  locate(path: ConfigPath, prefer: 'key' | 'value' = 'value'): Position {
    for (let n = path.length; n >= 0; n--) {
      const location = this.locations.get(toPointer(path.slice(0, n)));
      if (location) {
        if (n === path.length && prefer === 'key' && location.key) return location.key;
        if (n < path.length && location.key && n > 0) return location.key;
        return location.value;
      }
    }
    return { line: 0, col: 0 };
  }

  has(path: ConfigPath): boolean {
    return this.locations.has(toPointer(path));
  }

  /** Records a position for a value the loader added (e.g. from an environment variable). */
  remember(path: ConfigPath, position: Position): void {
    this.locations.set(toPointer(path), { value: position });
  }
}

export interface ParseResult {
  readonly source: ConfigSource;
  readonly diagnostics: Diagnostic[];
}

/** Guards against alias bombs ("billion laughs") and absurd nesting. */
const MAX_NODES = 100_000;
const MAX_DEPTH = 64;

/** Parses YAML text, reporting every syntax problem and duplicate key with its position. */
export function parseConfigText(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    keepSourceTokens: false,
  });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  for (const error of doc.errors) {
    const { line, col } = at(error.pos[0]);
    const duplicate = error.code === 'DUPLICATE_KEY';
    diagnostics.push({
      code: duplicate ? 'JULEE_CONFIG_DUPLICATE_KEY' : 'JULEE_CONFIG_YAML_SYNTAX',
      severity: 'error',
      file,
      line,
      col,
      path: '',
      message: duplicate
        ? `duplicate key ${describeKeyAt(text, error.pos[0])}: each key may appear once in a mapping`
        : `invalid YAML: ${firstLine(error.message)}`,
    });
  }
  if (diagnostics.length > 0) {
    return { source: new ConfigSource(file, text, undefined), diagnostics };
  }
  const locations = new Map<string, NodeLocation>();
  const data = new TreeBuilder(doc, locations, at, diagnostics, file).build(doc.contents);
  return { source: new ConfigSource(file, text, data, locations), diagnostics };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
}

function describeKeyAt(text: string, offset: number): string {
  const rest = text.slice(offset);
  const match = /^[^:\n]+/.exec(rest);
  return match ? `"${match[0].trim()}"` : '';
}

/** Turns the YAML tree into plain data, recording where every key and value came from. */
class TreeBuilder {
  private visited = 0;
  private readonly aliases = new Map<YamlNode, YamlNode | null>();
  private exhausted = false;

  constructor(
    private readonly doc: YamlDocument,
    private readonly locations: Map<string, NodeLocation>,
    private readonly at: (offset: number) => Position,
    private readonly diagnostics: Diagnostic[],
    private readonly file: string,
  ) {}

  build(root: YamlNode | null): unknown {
    return this.visit(root, [], 0);
  }

  private problem(position: Position, path: ConfigPath, message: string): void {
    this.diagnostics.push({
      code: 'JULEE_CONFIG_YAML_SYNTAX',
      severity: 'error',
      file: this.file,
      ...position,
      path: toDotted(path),
      message,
    });
  }

  private visit(
    node: YamlNode | null,
    path: (string | number)[],
    depth: number,
    keyPosition?: Position,
  ): unknown {
    if (node === null || node === undefined) return null;
    const value = node.range ? this.at(node.range[0]) : (keyPosition ?? { line: 0, col: 0 });
    this.locations.set(toPointer(path), keyPosition ? { key: keyPosition, value } : { value });
    if (++this.visited > MAX_NODES) {
      if (!this.exhausted) {
        this.exhausted = true;
        this.problem(
          value,
          path,
          `the configuration expands to more than ${MAX_NODES} values (alias loop or alias bomb?)`,
        );
      }
      return null;
    }
    if (depth > MAX_DEPTH) {
      this.problem(value, path, `the configuration nests deeper than ${MAX_DEPTH} levels`);
      return null;
    }
    if (isAlias(node)) {
      // Resolving walks the document, so each alias is resolved once (alias bombs repeat them).
      let target = this.aliases.get(node);
      if (target === undefined) {
        target = node.resolve(this.doc) ?? null;
        this.aliases.set(node, target);
      }
      return this.visit(target ?? null, path, depth + 1, keyPosition);
    }
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const keyValue: unknown = isScalar(keyNode) ? keyNode.value : undefined;
        const keyAt = keyNode?.range ? this.at(keyNode.range[0]) : value;
        if (typeof keyValue !== 'string' && typeof keyValue !== 'number') {
          this.problem(keyAt, path, 'mapping keys must be plain strings');
          continue;
        }
        const childPath = [...path, String(keyValue)];
        const child = pair.value as YamlNode | null;
        setOwn(out, String(keyValue), this.visit(child, childPath, depth + 1, keyAt));
        if (child === null) this.locations.set(toPointer(childPath), { key: keyAt, value: keyAt });
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) =>
        this.visit(item as YamlNode | null, [...path, index], depth + 1),
      );
    }
    return null;
  }
}

/**
 * Sets a key as an own property even when it is "__proto__", so such a key is validated (and
 * rejected as unknown) instead of silently replacing the object's prototype.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
