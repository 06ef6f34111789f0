import type { RootCause } from './queue.ts';
import type { ReadinessCheckId } from './readiness.ts';
import { FAILURE_CLASS_LABELS, type FailureClass } from './vocabulary.ts';

/**
 * Help in place: which article of docs/help/ answers a failure class, a readiness check, a QuickBooks error code or a
 * change made in QuickBooks after the sync. The one place that knows it; the console links here and serves only the
 * slugs listed below (the article is docs/help/<slug>.md). Pure.
 */

/** Where an article is listed on the help index. */
export const HELP_SECTIONS = ['Why a record is waiting', 'Readiness checks', 'QuickBooks errors'] as const;
export type HelpSection = (typeof HELP_SECTIONS)[number];

export interface HelpArticle {
  slug: string;
  /** The article's title, also its first line (`# title`). */
  title: string;
  section: HelpSection;
}

const WAITING: HelpSection = 'Why a record is waiting';
const CHECKS: HelpSection = 'Readiness checks';
const ERRORS: HelpSection = 'QuickBooks errors';

/** Every article, in the order of the help index. */
export const HELP_ARTICLES = [
  { slug: 'source-data', title: FAILURE_CLASS_LABELS.source_data, section: WAITING },
  { slug: 'mapping', title: FAILURE_CLASS_LABELS.mapping, section: WAITING },
  { slug: 'authorization', title: FAILURE_CLASS_LABELS.authorization, section: WAITING },
  { slug: 'duplicate-risk', title: FAILURE_CLASS_LABELS.duplicate_risk, section: WAITING },
  { slug: 'provider-rejection', title: FAILURE_CLASS_LABELS.provider_rejection, section: WAITING },
  { slug: 'throttled', title: FAILURE_CLASS_LABELS.throttled, section: WAITING },
  { slug: 'transient', title: FAILURE_CLASS_LABELS.transient, section: WAITING },
  { slug: 'outcome-uncertain', title: FAILURE_CLASS_LABELS.outcome_uncertain, section: WAITING },
  { slug: 'changed-in-quickbooks', title: 'Changed in QuickBooks after sync', section: WAITING },

  { slug: 'not-eligible', title: 'Not approved, posted or active in AWRA', section: CHECKS },
  { slug: 'amounts-and-lines', title: 'Amounts and lines do not add up', section: CHECKS },
  { slug: 'due-date', title: 'Due date before the transaction date', section: CHECKS },
  { slug: 'closed-period', title: 'Dated in a closed period', section: CHECKS },
  { slug: 'currency', title: 'Currency or exchange rate not accepted', section: CHECKS },
  { slug: 'applied-amounts', title: 'Applied amounts do not fit', section: CHECKS },
  { slug: 'item-details', title: 'Item details incomplete', section: CHECKS },

  { slug: 'sign-in-expired', title: 'QuickBooks sign-in expired or refused', section: ERRORS },
  { slug: 'reconnect-quickbooks', title: 'QuickBooks must be reconnected', section: ERRORS },
  { slug: 'wrong-environment', title: 'Wrong QuickBooks server or permissions', section: ERRORS },
  { slug: 'field-errors', title: 'QuickBooks refused a field of the record', section: ERRORS },
  { slug: 'reference-refused', title: 'QuickBooks cannot find or use a mapped entry', section: ERRORS },
  { slug: 'wrong-kind-of-entry', title: 'A mapping points at the wrong kind of QuickBooks entry', section: ERRORS },
  { slug: 'duplicate-number', title: 'Document number already used in QuickBooks', section: ERRORS },
  { slug: 'duplicate-name', title: 'Name already used in QuickBooks', section: ERRORS },
  { slug: 'business-validation', title: 'QuickBooks business validation error', section: ERRORS },
  { slug: 'stale-object', title: 'Changed in QuickBooks at the same moment', section: ERRORS },
  { slug: 'company-cannot-accept', title: 'The QuickBooks company cannot accept it', section: ERRORS },
  { slug: 'deposited-transaction', title: 'Deposited transaction cannot be changed', section: ERRORS },
  { slug: 'request-error', title: 'QuickBooks did not understand the request', section: ERRORS },
] as const satisfies readonly HelpArticle[];

export type HelpSlug = (typeof HELP_ARTICLES)[number]['slug'];

const BY_SLUG: ReadonlyMap<string, HelpArticle> = new Map(HELP_ARTICLES.map((a) => [a.slug, a]));

/** The article with this slug, or undefined: the only way a slug from a URL reaches an article. */
export function helpArticle(slug: string): HelpArticle | undefined {
  return BY_SLUG.get(slug);
}

const CLASS_HELP: Record<FailureClass, HelpSlug> = {
  source_data: 'source-data',
  mapping: 'mapping',
  authorization: 'authorization',
  duplicate_risk: 'duplicate-risk',
  provider_rejection: 'provider-rejection',
  throttled: 'throttled',
  transient: 'transient',
  outcome_uncertain: 'outcome-uncertain',
};

const CHECK_HELP: Record<ReadinessCheckId, HelpSlug> = {
  eligible: 'not-eligible',
  amounts_positive: 'amounts-and-lines',
  lines_sum: 'amounts-and-lines',
  line_math: 'amounts-and-lines',
  due_date: 'due-date',
  open_period: 'closed-period',
  currency: 'currency',
  exchange_rate: 'currency',
  applied: 'applied-amounts',
  inventory_fields: 'item-details',
  price: 'item-details',
};

/**
 * QuickBooks' error codes (qbo/classify.ts decides their class; shared/reference/qbo-api.md §3 says what they mean).
 * A code whose class article says all there is to say points at that article.
 */
const CODE_HELP: Record<string, HelpSlug> = {
  '100': 'sign-in-expired',
  '110': 'sign-in-expired',
  '3200': 'sign-in-expired',
  '120': 'reconnect-quickbooks',
  invalid_grant: 'reconnect-quickbooks',
  invalid_client: 'reconnect-quickbooks',
  unauthorized_client: 'reconnect-quickbooks',
  unsupported_grant_type: 'reconnect-quickbooks',
  '130': 'wrong-environment',
  '3100': 'wrong-environment',
  '3001': 'throttled',
  '150': 'transient',
  '10000': 'transient',
  '5010': 'stale-object',
  '600': 'outcome-uncertain',
  '630': 'duplicate-risk',
  '6140': 'duplicate-number',
  '6240': 'duplicate-name',
  '610': 'reference-refused',
  '2500': 'reference-refused',
  '6100': 'wrong-kind-of-entry',
  '6430': 'wrong-kind-of-entry',
  '620': 'applied-amounts',
  '6070': 'amounts-and-lines',
  '2020': 'field-errors',
  '2050': 'field-errors',
  '2080': 'field-errors',
  '2210': 'field-errors',
  '6080': 'field-errors',
  '6000': 'business-validation',
  '6210': 'closed-period',
  '140': 'company-cannot-accept',
  '5020': 'company-cannot-accept',
  '5030': 'company-cannot-accept',
  '6190': 'company-cannot-accept',
  '6540': 'deposited-transaction',
  '500': 'request-error',
  '2170': 'request-error',
  '4000': 'request-error',
  '4001': 'request-error',
  '10100': 'request-error',
};

/** What a link asks about: the most specific thing known wins (a code, then a check, then drift, then the class). */
export interface HelpQuery {
  /** A failure class, as the projection stores it (text); an attempt's `accepted` answers nothing. */
  failureClass?: string | null;
  checkId?: string | null;
  code?: string | null;
  /** The record's QuickBooks entity was changed, voided or deleted there after the sync. */
  drift?: boolean;
}

const own = <T>(table: Record<string, T>, key: string | null | undefined): T | undefined =>
  key && Object.hasOwn(table, key) ? table[key] : undefined;

/** The article that answers `q`, or undefined when none does (an unknown code of an unknown class). */
export function helpFor(q: HelpQuery): Pick<HelpArticle, 'slug' | 'title'> | undefined {
  const slug = own(CODE_HELP, q.code) ?? own(CHECK_HELP, q.checkId) ?? (q.drift ? 'changed-in-quickbooks' : undefined) ?? own(CLASS_HELP, q.failureClass);
  const article = slug ? BY_SLUG.get(slug) : undefined;
  return article && { slug: article.slug, title: article.title };
}

/** What a group of the action queue (domain/queue.ts) asks about: its check, its code, drift, or its class. */
export function rootCauseTopic(rc: Pick<RootCause, 'cause' | 'code' | 'failureClass'>): HelpQuery {
  switch (rc.cause) {
    case 'check':
      return { checkId: rc.code, failureClass: rc.failureClass };
    case 'class':
      return { code: rc.code, failureClass: rc.failureClass };
    case 'drift':
      return { drift: true };
    case 'mapping':
      return { failureClass: 'mapping' };
  }
}

/** What each article answers, for its index entry: the failure classes, checks and codes that lead to it. */
export function helpAnswers(slug: string): { failureClasses: FailureClass[]; checkIds: ReadinessCheckId[]; codes: string[] } {
  const keysOf = <K extends string>(table: Record<K, string>) => (Object.keys(table) as K[]).filter((k) => table[k] === slug);
  return { failureClasses: keysOf(CLASS_HELP), checkIds: keysOf(CHECK_HELP), codes: keysOf(CODE_HELP) };
}
