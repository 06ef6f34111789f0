import { raw } from 'hono/html';
import { Marked } from 'marked';
import { helpAnswers, helpArticle, helpFor, HELP_SECTIONS, type HelpArticle, type HelpQuery } from '../../../domain/help.ts';

/** An article ready to show: its entry in domain/help.ts and its body as HTML (its `# title` line left out). */
export interface RenderedHelp {
  article: HelpArticle;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * A link inside an article: `other-article.md` (how the files link each other, so they read on GitHub too) becomes
 * that article's console page; http(s) stays; anything else (javascript:, data:, paths of this app) is dropped.
 */
function articleHref(href: string): string | null {
  const sibling = /^([a-z0-9-]+)\.md(#[\w-]*)?$/.exec(href);
  if (sibling) return helpArticle(sibling[1]!) ? `/help/${sibling[1]}${sibling[2] ?? ''}` : null;
  return /^https?:\/\//i.test(href) ? href : null;
}

/**
 * Markdown of docs/help/ to HTML. The articles are ours, but raw HTML in them is shown as text all the same, images
 * are shown as their alt text, and links go only to other articles or to the web.
 */
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ text }) => escapeHtml(text),
    link(token) {
      const text = this.parser.parseInline(token.tokens);
      const href = articleHref(token.href);
      return href ? `<a href="${escapeHtml(href)}">${text}</a>` : text;
    },
  },
});

/** The article's body as HTML, without its first line when that is the `# title` (the page shows the title itself). */
export function renderHelpMarkdown(source: string): string {
  return markdown.parse(source.replace(/^# [^\n]*\n/, '')) as string;
}

/** "What does this mean?" beside a failure class, a check or a QuickBooks code; nothing when no article answers. */
export const HelpLink = (p: { topic: HelpQuery }) => {
  const found = helpFor(p.topic);
  return found ? (
    <a class="help-link" href={`/help/${found.slug}`} title={found.title}>
      What does this mean?
    </a>
  ) : null;
};

/** `/help`: every article by section, each with the QuickBooks codes it answers (people search for the number). */
export const HelpIndexPage = (p: { articles: readonly HelpArticle[] }) => (
  <>
    <div class="page-head">
      <h1>Help</h1>
      <p class="muted">
        What each failure, readiness check and QuickBooks error means, how to fix it, who fixes it, and what the product does meanwhile. The record page
        and the action queue link here beside each one.
      </p>
    </div>
    <div class="help-sections">
      {HELP_SECTIONS.map((section) => (
        <section class="card">
          <h2>{section}</h2>
          <ul class="help-index">
            {p.articles
              .filter((a) => a.section === section)
              .map((a) => {
                const { codes } = helpAnswers(a.slug);
                return (
                  <li>
                    <a href={`/help/${a.slug}`}>{a.title}</a>
                    {codes.length > 0 ? <span class="muted small"> · {codes.length === 1 ? 'error' : 'errors'} {codes.join(', ')}</span> : null}
                  </li>
                );
              })}
          </ul>
        </section>
      ))}
    </div>
  </>
);

/** `/help/:slug`: one article. */
export const HelpArticlePage = (p: RenderedHelp) => (
  <>
    <div class="page-head">
      <h1>{p.article.title}</h1>
      <p>
        <a href="/help">← All help</a>
      </p>
    </div>
    {/* Raw HTML, on purpose: rendered by renderHelpMarkdown from our own docs/help/ files, raw HTML in them escaped. */}
    <article class="card help-article">{raw(p.html)}</article>
  </>
);
