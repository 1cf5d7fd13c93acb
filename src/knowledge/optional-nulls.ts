import type { JsonObject, JsonValue } from '../domain/entities.js';

function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isJsonArray(value: JsonValue | undefined): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/**
 * Undoes the OpenAI-strict encoding of optional properties: a null for a property that the
 * original schema does not require and that does not itself accept null means "absent".
 */
export function dropNullOptionals(value: JsonValue, schema: JsonObject): JsonValue {
  return dropNulls(value, schema, schema, 0);
}

function resolveRef(schema: JsonValue, root: JsonObject): JsonValue {
  let current = schema;
  for (
    let hops = 0;
    hops < 16 && isPlainObject(current) && typeof current.$ref === 'string';
    hops++
  ) {
    const ref = current.$ref;
    if (!ref.startsWith('#')) break;
    let target: JsonValue | undefined = root;
    for (const part of ref
      .slice(1)
      .split('/')
      .filter((p) => p !== '')) {
      const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isPlainObject(target) ? target[key] : undefined;
    }
    if (target === undefined) break;
    current = target;
  }
  return current;
}

function allowsNull(schema: JsonValue, root: JsonObject): boolean {
  const s = resolveRef(schema, root);
  if (!isPlainObject(s)) return s === true;
  if (s.type === 'null' || (isJsonArray(s.type) && s.type.includes('null'))) return true;
  if (isJsonArray(s.enum) && s.enum.includes(null)) return true;
  if (s.const === null) return true;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (isJsonArray(list) && list.some((branch) => allowsNull(branch, root))) return true;
  }
  return false;
}

function dropNulls(
  value: JsonValue,
  schema: JsonValue,
  root: JsonObject,
  depth: number,
): JsonValue {
  const s = resolveRef(schema, root);
  if (depth > 64 || !isPlainObject(s)) return value;
  if (isJsonArray(value)) {
    const items = s.items;
    return items !== undefined && !isJsonArray(items)
      ? value.map((item) => dropNulls(item, items, root, depth + 1))
      : value;
  }
  if (!isPlainObject(value)) return value;
  const properties = isPlainObject(s.properties) ? s.properties : {};
  const required = isJsonArray(s.required) ? s.required : [];
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const childSchema = properties[key];
    if (childSchema === undefined) {
      out[key] = child;
    } else if (child === null && !required.includes(key) && !allowsNull(childSchema, root)) {
      continue;
    } else {
      out[key] = dropNulls(child, childSchema, root, depth + 1);
    }
  }
  return out;
}
