import type { DuplicateCandidate, MappingCheck, ReadinessCheck } from '../../../../domain/sync.ts';
import type { FailureClass, SyncState } from '../../../../domain/vocabulary.ts';
import { can } from '../../env.ts';
import { Flash } from '../components.tsx';
import { ActionsSection, availableActions } from './actions.tsx';
import { ResponsesSection } from './attempts.tsx';
import { DriftPanel } from './drift.tsx';
import { MappingsSection, ReadinessSection } from './checks.tsx';
import { PossibleDuplicates } from './duplicates.tsx';
import { RecordHead, StatusPanel } from './header.tsx';
import type { RecordViewProps } from './props.ts';
import { SourceSection } from './source.tsx';
import { TimelineSection } from './timeline.tsx';

export { ACTION_NAMES, ActionForm, availableActions, type ActionError, type ActionName } from './actions.tsx';
export type { RecordViewProps } from './props.ts';

/** The whole record: the region that polls while the sync is on its way and that every action re-renders. */
export const RecordView = (p: RecordViewProps) => {
  const row = p.row;
  const actions = availableActions({ state: (row?.state ?? 'queued') as SyncState, failureClass: (row?.failureClass ?? null) as FailureClass | null, drift: row?.drift ?? null }, p.user);
  const poll = p.pollUrl ? { 'hx-get': p.pollUrl, 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {};
  const candidates = (row?.duplicateCandidates ?? []) as DuplicateCandidate[];
  return (
    <div id="record" class="record" {...poll} aria-busy={p.pollUrl ? 'true' : undefined}>
      <RecordHead {...p} />
      {p.flash ? <Flash tone={p.flash.tone}>{p.flash.text}</Flash> : null}
      <StatusPanel {...p} />
      {row?.drift && row.externalRef ? <DriftPanel drift={row.drift} externalRef={row.externalRef} /> : null}
      <PossibleDuplicates candidates={candidates} workflowId={p.workflowId} csrf={p.csrf} canLink={actions.includes('link')} />
      <ActionsSection {...p} actions={actions} suggestedLink={candidates.find((c) => c.qboId)?.qboId} />
      <div class="two-col">
        <ReadinessSection checks={(row?.readiness ?? []) as ReadinessCheck[]} />
        <MappingsSection checks={(row?.mappings ?? []) as MappingCheck[]} tenantId={p.tenantId} canSet={can(p.user, 'mappings.set')} />
      </div>
      <ResponsesSection attempts={p.attempts} row={row} />
      <div class="two-col">
        <SourceSection versions={p.versions} />
        <TimelineSection events={p.events} audit={p.audit} notifications={p.notifications ?? []} />
      </div>
    </div>
  );
};
