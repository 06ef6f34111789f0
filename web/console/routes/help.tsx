import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { HELP_ARTICLES } from '../../../domain/help.ts';
import { signedIn } from '../auth.ts';
import type { ConsoleEnv } from '../env.ts';
import { refuse, respond } from '../http.tsx';
import { HelpArticlePage, HelpIndexPage, renderHelpMarkdown, type RenderedHelp } from '../views/help.tsx';

/** docs/help/, where every article of domain/help.ts is `<slug>.md`. */
const HELP_DIR = new URL('../../../docs/help/', import.meta.url);

/**
 * Reads and renders every listed article once. File names come from the list in domain/help.ts only, never from a
 * request; a listed article without its file fails here, at start-up, rather than as a broken link later.
 */
function loadHelpArticles(): ReadonlyMap<string, RenderedHelp> {
  return new Map(HELP_ARTICLES.map((article) => [article.slug, { article, html: renderHelpMarkdown(readFileSync(new URL(`${article.slug}.md`, HELP_DIR), 'utf8')) }]));
}

/** `GET /help` and `GET /help/:slug`: the help articles, for anyone signed in. */
export function helpRoutes() {
  const articles = loadHelpArticles();
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);

  app.get('/', (c) => {
    const page = () => <HelpIndexPage articles={HELP_ARTICLES} />;
    return respond(c, { title: 'Help', nav: 'help', page, fragment: page });
  });

  app.get('/:slug', (c) => {
    // A Map of the listed slugs only: anything else, `..` or `__proto__` included, is simply not in it.
    const found = articles.get(c.req.param('slug'));
    if (!found) return refuse(c, 404, 'Not found', 'There is no such help article. The help index lists them all.');
    const page = () => <HelpArticlePage {...found} />;
    return respond(c, { title: found.article.title, nav: 'help', page, fragment: page });
  });

  return app;
}
