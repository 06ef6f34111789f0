import { lengthError, unsupportedProperty } from './errors.ts';
import { isRealDate } from './time.ts';
import type { EntityName } from './types.ts';

/**
 * A small schema language for QBO entities and a binder that reacts to JSON the way QBO's Jackson-based binder does
 * (reference §3, python-quickbooks#38, node-quickbooks#39): field names are case-sensitive, an unknown property or a
 * value of the wrong JSON type is a 2010 fault naming the Java type, scalars are coerced where Jackson coerces them
 * (a numeric string is a fine BigDecimal, a number is a fine String) and only the first problem is reported.
 */

export type Field =
  | { k: 'string'; max?: number; ro?: boolean }
  | { k: 'number'; ro?: boolean }
  | { k: 'boolean'; ro?: boolean }
  | { k: 'date'; ro?: boolean }
  | { k: 'datetime'; ro?: boolean }
  | { k: 'enum'; javaType: string; values: readonly string[]; ro?: boolean }
  /** `to` names the entities the value may point at; 'currency' is an ISO code; undefined is not checked. */
  | { k: 'ref'; to?: readonly EntityName[] | 'currency'; ro?: boolean }
  | { k: 'object'; javaClass: string; fields: Record<string, Field>; ro?: boolean }
  | { k: 'array'; of: Field; ro?: boolean }
  | { k: 'any'; ro?: boolean };

export const str = (max?: number): Field => ({ k: 'string', ...(max ? { max } : {}) });
export const num: Field = { k: 'number' };
export const bool: Field = { k: 'boolean' };
export const date: Field = { k: 'date' };
export const datetime: Field = { k: 'datetime' };
export const any: Field = { k: 'any' };
export const ref = (...to: EntityName[]): Field => ({ k: 'ref', to });
export const currencyRef: Field = { k: 'ref', to: 'currency' };
export const freeRef: Field = { k: 'ref' };
export const enumOf = (javaType: string, values: readonly string[]): Field => ({ k: 'enum', javaType, values });
export const obj = (javaClass: string, fields: Record<string, Field>): Field => ({ k: 'object', javaClass, fields });
export const arr = (of: Field): Field => ({ k: 'array', of });
/** Output-only: accepted on input (clients echo what they read) and ignored. */
export const ro = (f: Field): Field => ({ ...f, ro: true });

const JAVA_PKG = 'com.intuit.schema.finance.v3';

function javaName(f: Field): string {
  switch (f.k) {
    case 'string':
      return 'java.lang.String';
    case 'number':
      return 'java.math.BigDecimal';
    case 'boolean':
      return 'boolean';
    case 'date':
    case 'datetime':
      return 'java.util.Date';
    case 'enum':
      return `${JAVA_PKG}.${f.javaType}`;
    case 'ref':
      return `${JAVA_PKG}.ReferenceType`;
    case 'object':
      return `${JAVA_PKG}.${f.javaClass}`;
    case 'array':
      return 'java.util.ArrayList';
    case 'any':
      return 'java.lang.Object';
  }
}

function jsonToken(v: unknown): string {
  if (Array.isArray(v)) return 'START_ARRAY';
  if (typeof v === 'object') return 'START_OBJECT';
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
}

function cannotDeserialize(f: Field, v: unknown): never {
  throw unsupportedProperty(`Can not deserialize instance of ${javaName(f)} out of ${jsonToken(v)} token`);
}

const REF_FIELDS: Record<string, Field> = { value: str(), name: str(), type: str() };
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Binds one JSON value to a field; undefined means "absent" (JSON null binds to absent, as in Jackson). */
export function bind(v: unknown, f: Field): unknown {
  if (v === null || v === undefined) return undefined;
  switch (f.k) {
    case 'any':
      return v;
    case 'string':
      if (typeof v === 'object') cannotDeserialize(f, v);
      return String(v);
    case 'number': {
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        if (v.trim() === '') return undefined;
        if (NUMERIC.test(v.trim())) return Number(v.trim());
        throw unsupportedProperty(`Can not construct instance of java.math.BigDecimal from String value '${v}': not a valid representation`);
      }
      return cannotDeserialize(f, v);
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') {
        if (v === 'true' || v === 'false') return v === 'true';
        if (v.trim() === '') return undefined;
        throw unsupportedProperty(`Can not construct instance of boolean from String value '${v}': only "true" or "false" recognized`);
      }
      if (typeof v === 'number' && Number.isInteger(v)) return v !== 0;
      return cannotDeserialize(f, v);
    case 'date':
    case 'datetime': {
      if (typeof v !== 'string') return cannotDeserialize(f, v);
      const day = v.slice(0, 10);
      const ok = f.k === 'date' ? isRealDate(day) && (v.length === 10 || /^T/.test(v.slice(10))) : isRealDate(day);
      if (!ok) throw unsupportedProperty(`Can not construct instance of java.util.Date from String value '${v}': not a valid representation`);
      return f.k === 'date' ? day : v;
    }
    case 'enum':
      if (typeof v !== 'string') return cannotDeserialize(f, v);
      if (!f.values.includes(v)) {
        throw unsupportedProperty(
          `Can not construct instance of ${javaName(f)} from String value '${v}': value not one of declared Enum instance names`,
        );
      }
      return v;
    case 'ref':
      return bindObject(v, 'ReferenceType', REF_FIELDS, f);
    case 'object':
      return bindObject(v, f.javaClass, f.fields, f);
    case 'array': {
      if (!Array.isArray(v)) return cannotDeserialize(f, v);
      return v.map((item) => bind(item, f.of)).filter((item) => item !== undefined);
    }
  }
}

function bindObject(v: unknown, javaClass: string, fields: Record<string, Field>, f: Field): Record<string, unknown> {
  if (Array.isArray(v)) cannotDeserialize(f, v);
  if (typeof v !== 'object') {
    throw unsupportedProperty(
      `Can not instantiate value of type [simple type, class ${JAVA_PKG}.${javaClass}] from JSON String; no single-String constructor/factory method`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    const sub = fields[key];
    if (!sub) throw unsupportedProperty(`Unrecognized field "${key}" (class ${JAVA_PKG}.${javaClass}), not marked as ignorable`);
    const bound = bind(value, sub);
    if (bound !== undefined && !sub.ro) out[key] = bound;
  }
  return out;
}

/** Binds a whole request body to an entity; `sparse` is reported separately since it is a request flag. */
export function bindEntity(entity: EntityName, body: unknown, fields: Record<string, Field>): { value: Record<string, unknown>; sparse: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    if (Array.isArray(body)) cannotDeserialize({ k: 'object', javaClass: entity, fields }, body);
    throw unsupportedProperty('failed to parse json object; a property');
  }
  const raw = body as Record<string, unknown>;
  const sparse = bind(raw.sparse, bool) === true;
  const value = bindObject(raw, entity, fields, { k: 'object', javaClass: entity, fields });
  return { value, sparse };
}

/** 2050 for the first string longer than the field allows; the element is the dotted path without indexes. */
export function checkLengths(value: unknown, f: Field, path: string): void {
  if (value === undefined || value === null) return;
  if (f.k === 'string' && f.max !== undefined && typeof value === 'string' && value.length > f.max) {
    throw lengthError(path, f.max, value.length);
  }
  if (f.k === 'object' && typeof value === 'object') {
    for (const [key, sub] of Object.entries(f.fields)) {
      checkLengths((value as Record<string, unknown>)[key], sub, path ? `${path}.${key}` : key);
    }
  }
  if (f.k === 'array' && Array.isArray(value)) for (const item of value) checkLengths(item, f.of, path);
}

export interface RefVisit {
  path: string;
  ref: { value?: string; name?: string };
  to: readonly EntityName[] | 'currency' | undefined;
}

/** Every reference inside a bound value, with its dotted element path (as QBO names it in faults). */
export function collectRefs(value: unknown, f: Field, path: string, out: RefVisit[] = []): RefVisit[] {
  if (value === undefined || value === null) return out;
  if (f.k === 'ref' && typeof value === 'object') out.push({ path, ref: value as RefVisit['ref'], to: f.to });
  if (f.k === 'object' && typeof value === 'object') {
    for (const [key, sub] of Object.entries(f.fields)) {
      collectRefs((value as Record<string, unknown>)[key], sub, path ? `${path}.${key}` : key, out);
    }
  }
  if (f.k === 'array' && Array.isArray(value)) for (const item of value) collectRefs(item, f.of, path, out);
  return out;
}

/** Resolves a dotted path case-insensitively against a schema, for the query language. */
export function resolvePath(fields: Record<string, Field>, path: string): { canonical: string; field: Field } | undefined {
  const parts = path.split('.');
  let current: Record<string, Field> | undefined = fields;
  const canonical: string[] = [];
  let field: Field | undefined;
  for (const part of parts) {
    if (!current) return undefined;
    const key: string | undefined = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    if (!key) return undefined;
    canonical.push(key);
    field = current[key];
    current = field?.k === 'object' ? field.fields : field?.k === 'ref' ? REF_FIELDS : undefined;
  }
  return field ? { canonical: canonical.join('.'), field } : undefined;
}
