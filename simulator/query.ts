import { invalidQuery } from './errors.ts';
import { resolvePath, type Field } from './schema.ts';
import { parseQboInstant } from './time.ts';
import type { QboObject } from './types.ts';

/**
 * The QBO query language, the subset clients use (reference §2.2, D-Q):
 *   SELECT * | COUNT(*) FROM Entity [WHERE cond AND cond ...] [ORDERBY field [ASC|DESC], ...]
 *   [STARTPOSITION n] [MAXRESULTS m]
 * with =, <, >, <=, >=, IN (...), LIKE (only %). OR, JOIN, GROUP BY and projections are not part of QBO's
 * language and fail with 4001 like QBO's parser.
 */

type Tok =
  | { t: 'word'; text: string; pos: number }
  | { t: 'string'; text: string; value: string; pos: number }
  | { t: 'number'; text: string; value: number; pos: number }
  | { t: 'punct'; text: string; pos: number }
  | { t: 'eof'; text: string; pos: number };

export type Literal = string | number | boolean;
export interface Condition {
  field: string;
  op: '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';
  values: Literal[];
  pos: number;
}
export interface ParsedQuery {
  count: boolean;
  entity: string;
  where: Condition[];
  orderBy: { field: string; desc: boolean }[];
  startPosition: number;
  maxResults: number;
}

const DEFAULT_MAX = 100;
const MAX_MAX = 1000;

function parserError(tok: Tok): never {
  const shown = tok.t === 'eof' ? '<EOF>' : tok.text;
  throw invalidQuery(`QueryParserError: Encountered " ${shown} " at line 1, column ${tok.pos}.`);
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    const pos = i + 1;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw invalidQuery(`QueryParserError: Lexical error at line 1, column ${pos}. Unterminated string literal.`);
        const c = src[j]!;
        if (c === '\\' && j + 1 < src.length) {
          value += src[j + 1];
          j += 2;
        } else if (c === "'") {
          j++;
          break;
        } else {
          value += c;
          j++;
        }
      }
      toks.push({ t: 'string', text: src.slice(i, j), value, pos });
      i = j;
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      toks.push({ t: 'number', text: m[0], value: Number(m[0]), pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))!;
      toks.push({ t: 'word', text: m[0], pos });
      i += m[0].length;
    } else if (ch === '<' || ch === '>' || ch === '!') {
      const two = src.slice(i, i + 2);
      const text = two === '<=' || two === '>=' || two === '!=' || two === '<>' ? two : ch;
      toks.push({ t: 'punct', text, pos });
      i += text.length;
    } else if ('=(),*;'.includes(ch)) {
      toks.push({ t: 'punct', text: ch, pos });
      i++;
    } else {
      throw invalidQuery(`QueryParserError: Lexical error at line 1, column ${pos}. Encountered: "${ch}"`);
    }
  }
  toks.push({ t: 'eof', text: '', pos: src.length + 1 });
  return toks;
}

const KEYWORDS = new Set(['select', 'from', 'where', 'and', 'or', 'in', 'like', 'orderby', 'order', 'by', 'asc', 'desc', 'startposition', 'maxresults', 'count', 'join', 'group', 'not']);

export function parseQuery(src: string): ParsedQuery {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Tok => toks[k]!;
  const next = (): Tok => toks[k++]!;
  const isKw = (tok: Tok, kw: string): boolean => tok.t === 'word' && tok.text.toLowerCase() === kw;
  const expectKw = (kw: string): void => {
    const tok = next();
    if (!isKw(tok, kw)) parserError(tok);
  };
  const expectPunct = (p: string): void => {
    const tok = next();
    if (tok.t !== 'punct' || tok.text !== p) parserError(tok);
  };
  const field = (): { text: string; pos: number } => {
    const tok = next();
    if (tok.t !== 'word' || KEYWORDS.has(tok.text.toLowerCase())) parserError(tok);
    return { text: tok.text, pos: tok.pos };
  };
  const literal = (): Literal => {
    const tok = next();
    if (tok.t === 'string' || tok.t === 'number') return tok.value;
    if (tok.t === 'word' && (tok.text.toLowerCase() === 'true' || tok.text.toLowerCase() === 'false')) return tok.text.toLowerCase() === 'true';
    return parserError(tok);
  };
  const positiveInt = (): number => {
    const tok = next();
    if (tok.t !== 'number' || !Number.isInteger(tok.value)) parserError(tok);
    if (tok.value < 1) throw invalidQuery(`QueryValidationError: value ${tok.value} is too small. Min allowed value is 1`);
    return tok.value;
  };

  expectKw('select');
  let count = false;
  const sel = next();
  if (sel.t === 'punct' && sel.text === '*') {
    count = false;
  } else if (isKw(sel, 'count')) {
    expectPunct('(');
    expectPunct('*');
    expectPunct(')');
    count = true;
  } else {
    // A projection ("SELECT Id, Name"): QBO returns whole entities only.
    parserError(sel);
  }
  expectKw('from');
  const entityTok = next();
  if (entityTok.t !== 'word' || KEYWORDS.has(entityTok.text.toLowerCase())) parserError(entityTok);

  const where: Condition[] = [];
  if (isKw(peek(), 'where')) {
    next();
    for (;;) {
      const f = field();
      const opTok = next();
      let cond: Condition;
      if (opTok.t === 'punct' && ['=', '<', '>', '<=', '>='].includes(opTok.text)) {
        cond = { field: f.text, op: opTok.text as Condition['op'], values: [literal()], pos: f.pos };
      } else if (isKw(opTok, 'in')) {
        expectPunct('(');
        const values = [literal()];
        while (peek().t === 'punct' && peek().text === ',') {
          next();
          values.push(literal());
        }
        expectPunct(')');
        cond = { field: f.text, op: 'IN', values, pos: f.pos };
      } else if (isKw(opTok, 'like')) {
        const tok = next();
        if (tok.t !== 'string') parserError(tok);
        cond = { field: f.text, op: 'LIKE', values: [tok.value], pos: f.pos };
      } else {
        return parserError(opTok);
      }
      where.push(cond);
      if (!isKw(peek(), 'and')) break;
      next();
    }
  }

  const orderBy: ParsedQuery['orderBy'] = [];
  if (isKw(peek(), 'orderby') || isKw(peek(), 'order')) {
    if (isKw(next(), 'order')) expectKw('by');
    for (;;) {
      const f = field();
      let desc = false;
      if (isKw(peek(), 'asc') || isKw(peek(), 'desc')) desc = isKw(next(), 'desc');
      orderBy.push({ field: f.text, desc });
      if (!(peek().t === 'punct' && peek().text === ',')) break;
      next();
    }
  }

  let startPosition: number | undefined;
  let maxResults: number | undefined;
  for (;;) {
    const tok = peek();
    if (isKw(tok, 'startposition') && startPosition === undefined) {
      next();
      startPosition = positiveInt();
    } else if (isKw(tok, 'maxresults') && maxResults === undefined) {
      next();
      maxResults = positiveInt();
    } else {
      break;
    }
  }
  if (peek().t !== 'eof') parserError(peek());
  return {
    count,
    entity: entityTok.text,
    where,
    orderBy,
    startPosition: startPosition ?? 1,
    maxResults: Math.min(maxResults ?? DEFAULT_MAX, MAX_MAX),
  };
}

export interface QuerySource {
  /** Canonical entity name, the key of the result list. */
  entity: string;
  fields: Record<string, Field>;
  /** Dotted paths QBO allows in WHERE / ORDERBY; undefined allows any known property. */
  queryable?: string[];
  rows: QboObject[];
  /** Name lists hide inactive rows unless the query mentions Active. */
  activeOnlyByDefault: boolean;
  utcOffsetMinutes: number;
}

interface ResolvedField {
  path: string[];
  field: Field;
}

function resolveField(src: QuerySource, name: string): ResolvedField {
  const found = resolvePath(src.fields, name);
  if (!found) throw invalidQuery(`QueryValidationError: Property ${name} not found for Entity ${src.entity}`);
  // "CustomerRef" and "CustomerRef.value" both filter on the referenced id.
  const base = found.canonical.endsWith('.value') ? found.canonical.slice(0, -'.value'.length) : found.canonical;
  if (src.queryable && !src.queryable.some((q) => q.toLowerCase() === base.toLowerCase())) {
    throw invalidQuery(`QueryValidationError: property '${found.canonical}' is not queryable`);
  }
  const path = found.canonical.split('.');
  if (found.field.k === 'ref') path.push('value');
  return { path, field: found.field };
}

function valueAt(row: QboObject, path: string[]): unknown {
  let v: unknown = row;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** Compares a stored value to a literal according to the field's type; undefined when not comparable. */
function compare(field: Field, stored: unknown, lit: Literal, offset: number): number | undefined {
  if (stored === undefined || stored === null) return undefined;
  switch (field.k) {
    case 'number': {
      const a = Number(stored);
      const b = Number(lit);
      return Number.isNaN(b) ? undefined : a - b;
    }
    case 'boolean': {
      const b = typeof lit === 'boolean' ? lit : String(lit).toLowerCase() === 'true';
      return stored === b ? 0 : 1;
    }
    case 'date': {
      const b = String(lit).slice(0, 10);
      return String(stored) < b ? -1 : String(stored) > b ? 1 : 0;
    }
    case 'datetime': {
      const a = parseQboInstant(String(stored), offset);
      const b = parseQboInstant(String(lit), offset);
      return Number.isNaN(b) ? undefined : a - b;
    }
    default: {
      const a = String(stored);
      const b = String(lit);
      if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
      return a.localeCompare(b, 'en', { sensitivity: 'accent' });
    }
  }
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

function matches(row: QboObject, cond: Condition, rf: ResolvedField, offset: number): boolean {
  const stored = valueAt(row, rf.path);
  if (cond.op === 'LIKE') return stored !== undefined && likeRegex(String(cond.values[0])).test(String(stored));
  if (cond.op === 'IN') return cond.values.some((v) => compare(rf.field, stored, v, offset) === 0);
  const c = compare(rf.field, stored, cond.values[0]!, offset);
  if (c === undefined) return false;
  switch (cond.op) {
    case '=':
      return c === 0;
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
  }
}

export function runQuery(q: ParsedQuery, src: QuerySource): QboObject {
  const conds = q.where.map((c) => ({ c, rf: resolveField(src, c.field) }));
  for (const { c, rf } of conds) {
    if (c.op === 'LIKE' && rf.field.k !== 'string') {
      throw invalidQuery(`QueryValidationError: LIKE is supported only for string properties, not ${c.field}`);
    }
  }
  const order = q.orderBy.map((o) => ({ ...o, rf: resolveField(src, o.field) }));
  const mentionsActive = conds.some(({ rf }) => rf.path.join('.') === 'Active');
  let rows = src.rows.filter((row) => conds.every(({ c, rf }) => matches(row, c, rf, src.utcOffsetMinutes)));
  if (src.activeOnlyByDefault && !mentionsActive) rows = rows.filter((r) => r.Active !== false);
  if (q.count) return { totalCount: rows.length };

  const sortKeys = order.length ? order : [{ field: 'Id', desc: false, rf: { path: ['Id'], field: { k: 'string' } as Field } }];
  rows = [...rows].sort((a, b) => {
    for (const key of sortKeys) {
      const av = valueAt(a, key.rf.path);
      const bv = valueAt(b, key.rf.path);
      if (av === undefined && bv === undefined) continue;
      if (av === undefined) return 1;
      if (bv === undefined) return -1;
      const c = compare(key.rf.field, av, bv as Literal, src.utcOffsetMinutes) ?? 0;
      if (c !== 0) return key.desc ? -c : c;
    }
    return 0;
  });
  const page = rows.slice(q.startPosition - 1, q.startPosition - 1 + q.maxResults);
  if (page.length === 0) return {};
  return { [src.entity]: page, startPosition: q.startPosition, maxResults: page.length };
}
