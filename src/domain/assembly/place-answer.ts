import type { JsonValue } from '../entities.js';
import { formatJsonPointer } from '../json-pointer.js';
import { PipelineError } from './pipeline-errors.js';
import type { PointerPlan } from './pointer-plan.js';

/** The assembled data while it is being built: plain, mutable JSON objects. */
export type MutableJsonObject = { [key: string]: JsonValue };

function isObject(value: unknown): value is MutableJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own member, also for keys such as "__proto__" (never touches the prototype). */
function setOwn(target: MutableJsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function getOwn(target: MutableJsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
}

/** A deep, mutable copy of a JSON value (answers may be frozen or shared). */
function copyJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(copyJson);
  if (!isObject(value)) return value;
  const copy: MutableJsonObject = {};
  for (const [key, item] of Object.entries(value)) setOwn(copy, key, copyJson(item));
  return copy;
}

function kindOf(value: JsonValue | undefined): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : typeof value;
}

function unplaceable(plan: PointerPlan, queryId: string, reason: string): PipelineError {
  return new PipelineError(
    'JULEE_ASSEMBLY_ANSWER_UNPLACEABLE',
    `The answer of query "${queryId}" for schema pointer ${JSON.stringify(plan.pointer)} ` +
      `cannot be placed at data location ${JSON.stringify(plan.dataPointer)}: ${reason}`,
    { details: { query_id: queryId, pointer: plan.pointer, data_pointer: plan.dataPointer } },
  );
}

/** The object at `path`, creating empty objects on the way; fails on a non-object in the way. */
function objectAt(
  root: MutableJsonObject,
  path: readonly string[],
  fail: (reason: string) => PipelineError,
): MutableJsonObject {
  let current = root;
  for (const [index, key] of path.entries()) {
    const existing = getOwn(current, key);
    if (existing === undefined) {
      const created: MutableJsonObject = {};
      setOwn(current, key, created);
      current = created;
    } else if (isObject(existing)) {
      current = existing;
    } else {
      const at = formatJsonPointer(path.slice(0, index + 1));
      throw fail(`an earlier answer put ${kindOf(existing)} at ${at}, not an object`);
    }
  }
  return current;
}

/**
 * Stores one query's answer in the assembled data, as its plan says (see AnswerPlacement):
 * objects are merged shallowly, a wrapped value replaces what was at its location, list items
 * are appended. Answers are applied in the specification's mapping order, so a later mapping
 * overwrites what an earlier one stored at the same place. The answer is copied, never shared.
 */
export function placeAnswer(
  assembled: MutableJsonObject,
  plan: PointerPlan,
  answer: JsonValue,
  queryId: string,
): void {
  const fail = (reason: string) => unplaceable(plan, queryId, reason);
  const { placement } = plan;
  if (!isObject(answer)) throw fail(`the answer is ${kindOf(answer)}, not an object`);

  if (placement.kind === 'merge') {
    const target = objectAt(assembled, placement.path, fail);
    for (const [key, value] of Object.entries(answer)) setOwn(target, key, copyJson(value));
    return;
  }
  if (!Object.prototype.hasOwnProperty.call(answer, placement.key)) {
    throw fail(`the answer has no member "${placement.key}"`);
  }
  const value = copyJson(answer[placement.key]!);
  const parent = objectAt(assembled, placement.path.slice(0, -1), fail);
  if (placement.kind === 'set') {
    setOwn(parent, placement.key, value);
    return;
  }
  if (!Array.isArray(value)) throw fail(`"${placement.key}" is ${kindOf(value)}, not a list`);
  const existing = getOwn(parent, placement.key);
  if (existing === undefined) {
    setOwn(parent, placement.key, value);
  } else if (Array.isArray(existing)) {
    (existing as JsonValue[]).push(...(value as readonly JsonValue[]));
  } else {
    throw fail(`an earlier answer put ${kindOf(existing)} there, not a list`);
  }
}
