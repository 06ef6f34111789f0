import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpAnswers, helpArticle, helpFor, HELP_ARTICLES, rootCauseTopic, type HelpQuery } from '../../domain/help.ts';
import { READINESS_CHECK_IDS } from '../../domain/readiness.ts';
import { FAILURE_CLASSES } from '../../domain/vocabulary.ts';
import { classifyQboResponse, CLASSIFIED_CODES } from '../../qbo/classify.ts';
import { renderHelpMarkdown } from '../../web/console/views/help.tsx';

const HELP_DIR = new URL('../../docs/help/', import.meta.url);
const source = (slug: string) => readFileSync(new URL(`${slug}.md`, HELP_DIR), 'utf8');

/** The sections every article has, so a clerk finds the same four answers in each. */
const SECTIONS = ['What it means', 'How to fix it', 'Who fixes it', 'What the product does meanwhile'];

/** Resolves `q` to an article whose file exists, starts with its title and renders to a real body. */
function expectArticle(q: HelpQuery, what: string) {
  const found = helpFor(q);
  expect(found, `${what} has no help article`).toBeDefined();
  const path = new URL(`${found!.slug}.md`, HELP_DIR);
  expect(existsSync(path), `${what}: docs/help/${found!.slug}.md is missing`).toBe(true);
  const md = source(found!.slug);
  expect(md.split('\n')[0], `${what}: first line of ${found!.slug}.md`).toBe(`# ${found!.title}`);
  const html = renderHelpMarkdown(md);
  expect(html.replace(/<[^>]+>/g, '').trim().length, `${what}: ${found!.slug}.md is too short`).toBeGreaterThan(400);
  for (const s of SECTIONS) expect(html, `${what}: ${found!.slug}.md lacks "${s}"`).toContain(`<h2>${s}</h2>`);
  return found!;
}

/** What the classifier makes of a QuickBooks fault (or an OAuth error) carrying `code`. */
function classOf(code: string) {
  const body = /^\d+$/.test(code) ? { Fault: { Error: [{ code, Message: 'm', Detail: 'd' }], type: 'ValidationFault' } } : { error: code };
  return classifyQboResponse({ status: 400, body }).class;
}

describe('help in place', () => {
  it('has an article for every failure class', () => {
    for (const c of FAILURE_CLASSES) expectArticle({ failureClass: c }, `failure class ${c}`);
  });

  it('has an article for every readiness check id', () => {
    for (const id of READINESS_CHECK_IDS) expectArticle({ checkId: id }, `readiness check ${id}`);
  });

  it('has an article of its own for every code the classifier knows, not only its class article by default', () => {
    expect(CLASSIFIED_CODES.length).toBeGreaterThan(30);
    for (const code of CLASSIFIED_CODES) expectArticle({ code }, `QuickBooks code ${code}`);
  });

  it('has an article for a record changed in QuickBooks after its sync', () => {
    expect(expectArticle({ drift: true }, 'drift').slug).toBe('changed-in-quickbooks');
  });

  it('sends a code to the article of its own class when it names a class article, as the classifier decides', () => {
    const classArticle = new Map(FAILURE_CLASSES.map((c) => [helpFor({ failureClass: c })!.slug, c]));
    for (const code of CLASSIFIED_CODES) {
      const slug = helpFor({ code })!.slug;
      if (classArticle.has(slug)) expect(classArticle.get(slug), `code ${code} → ${slug}`).toBe(classOf(code));
    }
  });

  it('answers the most specific thing it knows: a code, then a check, then drift, then the class', () => {
    expect(helpFor({ code: '6210', checkId: 'lines_sum', failureClass: 'provider_rejection' })?.slug).toBe('closed-period');
    expect(helpFor({ code: '9999', checkId: 'lines_sum', failureClass: 'source_data' })?.slug).toBe('amounts-and-lines');
    expect(helpFor({ code: 'HTTP 503', failureClass: 'transient' })?.slug).toBe('transient');
    expect(helpFor({ drift: true, failureClass: 'source_data' })?.slug).toBe('changed-in-quickbooks');
    expect(helpFor({ code: '6140', failureClass: 'duplicate_risk' })).toEqual({ slug: 'duplicate-number', title: 'Document number already used in QuickBooks' });
  });

  it('answers nothing it does not know, the names of Object.prototype included', () => {
    expect(helpFor({})).toBeUndefined();
    expect(helpFor({ code: '9999', checkId: 'no_such_check', failureClass: 'accepted' })).toBeUndefined();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(helpFor({ code: name, checkId: name, failureClass: name }), name).toBeUndefined();
      expect(helpArticle(name), name).toBeUndefined();
    }
  });

  it('finds the article for each kind of action-queue group', () => {
    expect(helpFor(rootCauseTopic({ cause: 'mapping', code: 'stale', failureClass: 'mapping' }))?.slug).toBe('mapping');
    expect(helpFor(rootCauseTopic({ cause: 'check', code: 'open_period', failureClass: 'source_data' }))?.slug).toBe('closed-period');
    expect(helpFor(rootCauseTopic({ cause: 'class', code: '6240', failureClass: 'duplicate_risk' }))?.slug).toBe('duplicate-name');
    expect(helpFor(rootCauseTopic({ cause: 'class', code: 'HTTP 502', failureClass: 'outcome_uncertain' }))?.slug).toBe('outcome-uncertain');
    expect(helpFor(rootCauseTopic({ cause: 'drift', code: 'voided', failureClass: null }))?.slug).toBe('changed-in-quickbooks');
  });

  it('lists every file of docs/help/ and no article twice, and every article answers something', () => {
    const files = readdirSync(HELP_DIR).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
    const slugs = HELP_ARTICLES.map((a) => a.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    expect([...slugs].sort()).toEqual(files);
    for (const slug of slugs) {
      const a = helpAnswers(slug);
      const answered = a.failureClasses.length + a.checkIds.length + a.codes.length > 0 || helpFor({ drift: true })?.slug === slug;
      expect(answered, `${slug} is linked from nowhere`).toBe(true);
      expectArticle(slug === 'changed-in-quickbooks' ? { drift: true } : { failureClass: a.failureClasses[0], checkId: a.checkIds[0], code: a.codes[0] }, slug);
    }
  });

  it('links between articles only to articles that exist', () => {
    for (const { slug } of HELP_ARTICLES) {
      for (const [, target] of source(slug).matchAll(/\]\(([^)]*)\)/g)) {
        expect(helpArticle(target!.replace(/\.md(#.*)?$/, '')), `${slug}.md links to ${target}`).toBeDefined();
      }
    }
    expect(renderHelpMarkdown(source('field-errors'))).toContain('<a href="/help/source-data">');
  });

  it('renders raw HTML as text, images as their words, and drops links that go anywhere but an article or the web', () => {
    const html = renderHelpMarkdown(
      [
        '# Title',
        '',
        '<script>alert(1)</script>',
        '',
        'Inline <img src=x onerror="alert(2)"> and <b>bold</b>.',
        '',
        '[bad](javascript:alert(3)) [data](data:text/html,hi) [own](/logout) [gone](no-such-article.md) [ok](mapping.md) [web](https://example.com/a)',
        '',
        '![a picture](https://example.com/p.png)',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<script|<img|<b>|javascript:|data:text|href="\/logout"|no-such-article/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="/help/mapping">ok</a>');
    expect(html).toContain('<a href="https://example.com/a">web</a>');
    expect(html).toContain('a picture');
    expect(html).not.toContain('<h1>');
  });
});
