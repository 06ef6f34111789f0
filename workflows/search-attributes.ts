import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that make every record findable in the Temporal UI, e.g.
 * `TenantId = "acme" AND SyncState = "blocked" AND FailureClass = "mapping"` or `RecordNumber = "PO-2026-0042"`.
 */
export const TenantIdAttr = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const RecordTypeAttr = defineSearchAttributeKey('RecordType', SearchAttributeType.KEYWORD);
export const RecordNumberAttr = defineSearchAttributeKey('RecordNumber', SearchAttributeType.KEYWORD);
export const SyncStateAttr = defineSearchAttributeKey('SyncState', SearchAttributeType.KEYWORD);
export const FailureClassAttr = defineSearchAttributeKey('FailureClass', SearchAttributeType.KEYWORD);
export const OwnerAttr = defineSearchAttributeKey('Owner', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [TenantIdAttr, RecordTypeAttr, RecordNumberAttr, SyncStateAttr, FailureClassAttr, OwnerAttr];

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_CLI_ARGS = SEARCH_ATTRIBUTES.map((k) => `${k.name}=Keyword`);
