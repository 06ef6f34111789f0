import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/harness.ts';

const dir = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('parses JSON histories (guards the duplicated-protobufjs bug: protobufjs must stay a direct dependency)', () => {
    const history = historyFromJSON(JSON.parse(readFileSync(`${dir}/${files[0]}`, 'utf8')));
    expect(history.events?.length).toBeGreaterThan(0);
  });

  it.each(files)('replays %s against the current workflow code without a determinism break', async (file) => {
    const json = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, json, `replay:${file}`);
  });
});
