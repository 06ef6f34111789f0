/**
 * The one rule for text that people and systems send us: no NUL or other control characters (free text may hold
 * tabs and line breaks), no unpaired surrogates, trimmed, and a length limit. Postgres cannot store NUL at all and
 * refuses a lone surrogate in jsonb, and neither has any meaning in a name, an id or a note, so text that breaks the
 * rule is refused where it arrives rather than discovered by a failing write later.
 *
 * Plain TypeScript with no imports: workflow update validators (synchronous, inside the sandbox) call `textProblem`,
 * and `domain/text-schema.ts` builds the zod fields the web edge uses from the same functions.
 */

/** How a field's text is judged and named. */
export interface TextRule {
  /** The field as the subject of a sentence, e.g. "The assignee". */
  label: string;
  /** The most characters allowed (after trimming). */
  max: number;
  /** An empty value is refused: `true` says "<label> is required.", a string says it in its own words. */
  required?: boolean | string;
  /** Free text (notes, reasons): tabs and line breaks are allowed. */
  multiline?: boolean;
  /** Judge the value as sent instead of trimmed (passwords). */
  keepSpaces?: boolean;
}

export type TextFault = 'not_text' | 'required' | 'too_long' | 'control' | 'surrogate';

const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_LINE_BREAKS = /[^\P{Cc}\t\n\r]/u;
/** In a `u` regex a surrogate code point only matches when it is unpaired (a pair reads as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** The characters no text may hold (line breaks and tabs only when `multiline`). */
export function characterFault(value: string, multiline = false): 'control' | 'surrogate' | undefined {
  if ((multiline ? CONTROL_EXCEPT_LINE_BREAKS : CONTROL).test(value)) return 'control';
  if (LONE_SURROGATE.test(value)) return 'surrogate';
  return undefined;
}

/** What is wrong with `value` under `rule`, or undefined when nothing is. */
export function textFault(value: unknown, rule: Omit<TextRule, 'label'>): TextFault | undefined {
  if (typeof value !== 'string') return value === undefined || value === null ? (rule.required ? 'required' : undefined) : 'not_text';
  const v = rule.keepSpaces ? value : value.trim();
  const chars = characterFault(v, rule.multiline);
  if (chars) return chars;
  if (rule.required && v.length === 0) return 'required';
  if (v.length > rule.max) return 'too_long';
  return undefined;
}

/** The sentence a person reads for a fault, e.g. "The assignee must not contain control characters." */
export function textFaultMessage(fault: TextFault, rule: TextRule): string {
  switch (fault) {
    case 'not_text':
      return `${rule.label} must be text.`;
    case 'required':
      return typeof rule.required === 'string' ? rule.required : `${rule.label} is required.`;
    case 'too_long':
      return `${rule.label} must be at most ${rule.max} characters.`;
    case 'control':
      return rule.multiline
        ? `${rule.label} must not contain control characters other than tabs and line breaks.`
        : `${rule.label} must not contain control characters.`;
    case 'surrogate':
      return `${rule.label} contains a broken character that cannot be stored; type it again.`;
  }
}

/** The rule as one call: a sentence saying what is wrong, or undefined when the value is fine. */
export function textProblem(value: unknown, rule: TextRule): string | undefined {
  const fault = textFault(value, rule);
  return fault ? textFaultMessage(fault, rule) : undefined;
}

/** Throws the rule's sentence as an Error (what an update validator does to reject a request). */
export function assertText(value: unknown, rule: TextRule): void {
  const problem = textProblem(value, rule);
  if (problem) throw new Error(problem);
}

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|\p{Cs}/gu;

/**
 * `value` with what Postgres cannot store (NUL, unpaired surrogates) replaced by U+FFFD, the character that says
 * "something unreadable was here". Only for writes of text that was never checked (see activities/projection.ts).
 */
export function storableText(value: string): string {
  return value.replace(UNSTORABLE, '\uFFFD');
}

/** `storableText` applied to every string (and object key) inside a JSON-like value. */
export function storableDeep<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map((v) => storableDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableDeep(v)])) as T;
  }
  return value;
}

/**
 * The text fields of people's actions on a record, shared by the API, the console and the workflow's update
 * validators so that all three draw the line in the same place.
 */
export const ACTION_TEXT = {
  actor: { label: "The acting person's name", max: 300, required: 'Say who is acting.' },
  qboId: { label: 'The QuickBooks id', max: 50, required: true },
  to: { label: 'The person to escalate to', max: 200, required: true },
  note: { label: 'The note', max: 2000, required: true, multiline: true },
  assignee: { label: 'The assignee', max: 200, required: true },
  reason: { label: 'The reason', max: 2000, required: true, multiline: true },
} as const satisfies Record<string, TextRule>;
