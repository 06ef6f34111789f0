import { patched, setHandler } from '@temporalio/workflow';
import { actionRefusal } from '../../domain/actions.ts';
import type { RecordActionName } from '../../domain/permissions.ts';
import { ACTION_TEXT, assertText } from '../../domain/text.ts';
import {
  assignUpdate,
  cancelUpdate,
  connectionRestoredSignal,
  createAnywayUpdate,
  escalateUpdate,
  linkUpdate,
  mappingChangedSignal,
  pushRetryingSignal,
  reprojectSignal,
  retryUpdate,
  sourceUpdatedSignal,
  stateQuery,
  acceptQuickBooksUpdate,
  pushAgainUpdate,
  type Actor,
} from './messages.ts';
import type { RecordSync } from './state.ts';
import { EVENTS } from './texts.ts';

/**
 * What a record's sync answers while it runs. Updates are what people do (the validator refuses what the state does
 * not allow, with a sentence for the person); signals are what wakes the record (a new version, a mapping, the
 * connection) and the push activity's report that QuickBooks' answer is being retried.
 */
export function registerHandlers(sync: RecordSync): void {
  const { status, triggers } = sync;
  // Whether the state allows the action is the domain's rule (domain/actions.ts), the same the console offers by.
  const requireAllowed = (action: RecordActionName) => {
    const refusal = actionRefusal(action, status);
    if (refusal) throw new Error(refusal);
  };
  // Every text of a request passes the shared text rule before it is accepted: a NUL in an assignee once wedged
  // every projection write of the record (Postgres cannot store it). Validators add no commands, so no patch.
  const requireActor = (req: Actor) => {
    if (!req?.actor?.trim()) throw new Error('Say who is acting.');
    assertText(req.actor, ACTION_TEXT.actor);
  };

  setHandler(stateQuery, () => status);
  setHandler(sourceUpdatedSignal, ({ version }) => {
    if (version > sync.latestVersion) {
      sync.latestVersion = version;
      triggers.add('version');
    }
  });
  setHandler(mappingChangedSignal, () => {
    triggers.add('mapping');
  });
  setHandler(connectionRestoredSignal, () => {
    triggers.add('connection');
  });
  // Only the reconciler sends it, to histories recorded after it existed: no patch needed.
  setHandler(reprojectSignal, async () => {
    // A new event moves the projection's sequence on, so the write is taken (and the repair shows in the timeline).
    sync.event('reprojected', 'The reconciler found this record shown wrongly in the console; its state was written again.');
    await sync.project();
  });
  // Only the push activity sends it, to the push in flight; histories recorded before it existed never carry it.
  setHandler(pushRetryingSignal, async (report) => {
    if (sync.pushing?.attemptNo !== report.attemptNo || !['syncing', 'retrying'].includes(status.state)) return;
    const c = report.classification;
    status.retryCount = sync.pushing.retryBase + report.activityAttempt;
    sync.setState('retrying', c.class === 'accepted' ? 'transient' : c.class, EVENTS.retryingAction(report.said, report.requestId), 'system');
    sync.event('retrying', EVENTS.retrying(report.activityAttempt, report.requestId, report.said), 'system', {
      requestId: report.requestId,
      activityAttempt: report.activityAttempt,
      failureClass: c.class,
    });
    await sync.project();
  });
  setHandler(
    retryUpdate,
    (req) => {
      status.retryCount += 1;
      triggers.add('retry');
      sync.event('retry_requested', `Retry requested by ${req.actor}.`, req.actor);
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireAllowed('retry');
      },
    },
  );
  setHandler(
    linkUpdate,
    (req) => {
      sync.linkRequest = req;
      triggers.add('link');
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        if (!req.qboId?.trim()) throw new Error('Give the QuickBooks id of the entity to link to.');
        assertText(req.qboId, ACTION_TEXT.qboId);
        requireAllowed('link');
      },
    },
  );
  setHandler(
    createAnywayUpdate,
    (req) => {
      sync.createAnyway = true;
      triggers.add('create_anyway');
      sync.event('create_anyway', `${req.actor} chose to create the record in QuickBooks despite the duplicate risk.`, req.actor);
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireAllowed('create-anyway');
      },
    },
  );
  setHandler(
    escalateUpdate,
    async (req) => {
      const to = req.to.trim();
      status.escalatedTo = to;
      sync.endSlaLadder();
      sync.event('escalated', `Escalated to ${to} by ${req.actor}: ${req.note.trim()}`, req.actor, { to });
      await sync.project();
      // The contact is told with the evidence (histories from before notifications told nobody).
      if (patched('notify-people')) await sync.tell({ trigger: 'escalation', workflowId: sync.workflowId, level: 'manual', to, note: req.note.trim(), actor: req.actor, seq: status.seq });
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireAllowed('escalate');
        if (!req.to?.trim()) throw new Error('Say whom to escalate to.');
        if (!req.note?.trim()) throw new Error('Add a note that says what is needed.');
        assertText(req.to, ACTION_TEXT.to);
        assertText(req.note, ACTION_TEXT.note);
      },
    },
  );
  setHandler(
    assignUpdate,
    async (req) => {
      const assignee = req.assignee.trim();
      status.assignee = assignee;
      sync.event('assigned', `Assigned to ${assignee} by ${req.actor}.`, req.actor, { assignee });
      // Ownership changes are visible in the queue at once, not only at the next state change.
      await sync.project();
      if (patched('notify-people')) await sync.tell({ trigger: 'assignment', workflowId: sync.workflowId, assignee, actor: req.actor, seq: status.seq });
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireAllowed('assign');
        if (!req.assignee?.trim()) throw new Error('Say who should own it.');
        assertText(req.assignee, ACTION_TEXT.assignee);
      },
    },
  );
  // A record held because its QuickBooks entity changed there: keep QuickBooks' version, or push AWRA's again.
  for (const [update, action, decision] of [
    [acceptQuickBooksUpdate, 'accept-quickbooks', 'accept_quickbooks'],
    [pushAgainUpdate, 'push-again', 'push_awra'],
  ] as const) {
    setHandler(
      update,
      (req) => {
        sync.driftDecision = { decision, actor: req.actor };
        triggers.add('decision');
        return status;
      },
      {
        validator: (req) => {
          requireActor(req);
          requireAllowed(action);
        },
      },
    );
  }
  setHandler(
    cancelUpdate,
    (req) => {
      sync.cancelRequest = req;
      triggers.add('cancel');
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireAllowed('cancel');
        if (!req.reason?.trim()) throw new Error('Say why the sync is cancelled.');
        assertText(req.reason, ACTION_TEXT.reason);
      },
    },
  );
}
