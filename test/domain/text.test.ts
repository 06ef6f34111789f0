import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACTION_TEXT, characterFault, storableDeep, storableText, textProblem, type TextRule } from '../../domain/text.ts';
import { textField } from '../../domain/text-schema.ts';
import { awraRecordSchema } from '../../domain/records.ts';
import { parseSyncWorkflowId } from '../../domain/workflow-id.ts';
import { billRecord } from '../fixtures/records.ts';

const assignee: TextRule = { label: 'The assignee', max: 20, required: true };
const note: TextRule = { label: 'The note', max: 50, required: true, multiline: true };

describe('the shared text rule', () => {
  it('accepts ordinary text in any script, emoji included, and judges it trimmed', () => {
    for (const v of ['clerk', 'Fatuma Wanjiru', 'Müller & Söhne', '王小明', 'نور', '𝔘𝔫𝔦 🙂', '  padded  ']) {
      expect(textProblem(v, assignee)).toBeUndefined();
    }
    expect(textProblem(`  ${'a'.repeat(20)}  `, assignee)).toBeUndefined();
  });

  it('refuses NUL and every other control character with a sentence that names the field', () => {
    for (const v of ['clerk\u0000x', '\u0000', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\tb', 'a\nb', 'a\rb']) {
      expect(textProblem(v, assignee)).toBe('The assignee must not contain control characters.');
    }
  });

  it('allows tabs and line breaks in free text only, and nothing else below a space', () => {
    expect(textProblem('line one\r\nline two\n\tindented', note)).toBeUndefined();
    expect(textProblem('a\u0000b', note)).toBe('The note must not contain control characters other than tabs and line breaks.');
    expect(textProblem('a\u000bb', note)).toBe('The note must not contain control characters other than tabs and line breaks.');
  });

  it('refuses unpaired surrogates anywhere but accepts proper pairs', () => {
    for (const v of ['\ud800', 'a\udc00', 'x\ud83d', '\udfff\ud800']) {
      expect(textProblem(v, assignee)).toBe('The assignee contains a broken character that cannot be stored; type it again.');
    }
    expect(textProblem('\ud83d\ude42', assignee)).toBeUndefined();
  });

  it('requires a value when asked, in its own words if given, and counts length after trimming', () => {
    expect(textProblem('   ', assignee)).toBe('The assignee is required.');
    expect(textProblem(undefined, assignee)).toBe('The assignee is required.');
    expect(textProblem('', { ...assignee, required: 'Say who should own it.' })).toBe('Say who should own it.');
    expect(textProblem('', { label: 'The name', max: 5 })).toBeUndefined();
    expect(textProblem('a'.repeat(21), assignee)).toBe('The assignee must be at most 20 characters.');
    expect(textProblem(42, assignee)).toBe('The assignee must be text.');
  });

  it('judges a value as sent when asked to keep its spaces', () => {
    expect(textProblem(' pass word ', { label: 'The password', max: 11, keepSpaces: true })).toBeUndefined();
    expect(textProblem(' pass word  ', { label: 'The password', max: 11, keepSpaces: true })).toBe('The password must be at most 11 characters.');
  });

  it('finds a fault in any string that holds a NUL or a lone surrogate, wherever it sits', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00'), (a, b, bad) => {
        // A lone high surrogate next to a low one would pair up; keep the neighbours plain.
        const v = `${a.replace(/[\ud800-\udfff]/g, '')}${bad}x${b.replace(/[\ud800-\udfff]/g, '')}`;
        expect(characterFault(v, true)).toBeDefined();
        expect(textProblem(v, { label: 'It', max: 10_000 })).toBeDefined();
      }),
    );
  });
});

describe('the rule as a zod field', () => {
  it('trims what it accepts and refuses with the rule\'s own sentences', () => {
    const field = textField(ACTION_TEXT.assignee);
    expect(field.parse('  clerk  ')).toBe('clerk');
    expect(field.safeParse('clerk\u0000x').error?.issues[0]?.message).toBe('The assignee must not contain control characters.');
    expect(field.safeParse('\ud800').error?.issues[0]?.message).toBe('The assignee contains a broken character that cannot be stored; type it again.');
    expect(field.safeParse(undefined).error?.issues[0]?.message).toBe('The assignee is required.');
    expect(field.safeParse(7).error?.issues[0]?.message).toBe('The assignee must be text.');
    expect(textField({ label: 'The name', max: 5 }).optional().parse(undefined)).toBeUndefined();
  });

  it('keeps the AWRA record format free of control characters and broken characters, line breaks only in descriptions', () => {
    const fields = (r: unknown) => awraRecordSchema.safeParse(r).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    const bill = billRecord();
    expect(fields({ ...bill, number: 'BILL\u00001' })).toEqual(['number: number must not contain control characters.']);
    expect(fields({ ...bill, sourceId: 'b\ud8001' })).toEqual(['sourceId: sourceId contains a broken character that cannot be stored; type it again.']);
    const lines = bill.data.lines.map((l: Record<string, unknown>) => ({ ...l, description: 'first line\nsecond line' }));
    expect(awraRecordSchema.safeParse({ ...bill, data: { ...bill.data, lines } }).success).toBe(true);
    const nul = bill.data.lines.map((l: Record<string, unknown>) => ({ ...l, description: 'a\u0000b' }));
    expect(fields({ ...bill, data: { ...bill.data, lines: nul } })?.[0]).toMatch(/^data\.lines\.0\.description: description must not contain control characters/);
  });
});

describe('what Postgres cannot store', () => {
  it('is replaced by U+FFFD in every string of a value, keys included, and nothing else changes', () => {
    expect(storableText('clerk\u0000x\ud800')).toBe('clerk\uFFFDx\uFFFD');
    expect(storableText('fine \ud83d\ude42\n')).toBe('fine \ud83d\ude42\n');
    const value = { assignee: 'a\u0000', n: 3, ok: true, none: null, list: [{ ['k\u0000']: '\udc00' }] };
    expect(storableDeep(value)).toEqual({ assignee: 'a\uFFFD', n: 3, ok: true, none: null, list: [{ 'k\uFFFD': '\uFFFD' }] });
  });
});

describe('workflow ids from a URL', () => {
  it('are refused when they hold what intake could never have built', () => {
    expect(parseSyncWorkflowId('qbo-sync:acme:vendor:v-1')).toEqual({ tenantId: 'acme', recordType: 'vendor', sourceId: 'v-1' });
    expect(parseSyncWorkflowId('qbo-sync:acme:vendor:v\u00001')).toBeUndefined();
    expect(parseSyncWorkflowId('qbo-sync:acme:vendor:\ud800')).toBeUndefined();
    expect(parseSyncWorkflowId('qbo-sync:acme:vendor:v 1')).toBeUndefined();
    expect(parseSyncWorkflowId(`qbo-sync:acme:vendor:${'x'.repeat(101)}`)).toBeUndefined();
  });
});
