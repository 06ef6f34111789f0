import { z } from 'zod';
import { textFault, textFaultMessage, type TextRule } from './text.ts';

/**
 * The text rule of `domain/text.ts` as a zod field for the web edge: the output is trimmed (unless `keepSpaces`),
 * and every refusal is the rule's own sentence. Kept apart from text.ts so the workflow bundle, which needs only
 * `textProblem`, does not pull zod in.
 */
export function textField(rule: TextRule) {
  const base = z.string({ error: (iss) => textFaultMessage(iss.input === undefined ? (rule.required ? 'required' : 'not_text') : 'not_text', rule) });
  return (rule.keepSpaces ? base : base.trim()).superRefine((value, ctx) => {
    const fault = textFault(value, { ...rule, keepSpaces: true });
    if (fault) ctx.addIssue({ code: 'custom', message: textFaultMessage(fault, rule) });
  });
}

/** zod issues as `{ "data.lines.0.amount": "must be a whole number…" }`. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || '(body)';
    fields[path] ??= issue.message;
  }
  return fields;
}
