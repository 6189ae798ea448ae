import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { HISTORY_FIXTURES, recordedWorkflowIds } from '../support/histories';

/**
 * Replays every recorded history against today's workflow code. A change that would make a
 * running workflow non-deterministic fails here; such a change needs `patched()` or a new version.
 */
describe('replay of recorded histories', () => {
  const files = fs.existsSync(HISTORY_FIXTURES)
    ? fs
        .readdirSync(HISTORY_FIXTURES)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];

  it('has fixtures to replay', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'happy-path.json',
        'scheduled-then-cancelled.json',
        'rescheduled.json',
        'approved.json',
        'cancelled-mid-run.json',
        'bisection.json',
        'large-request.json',
        'large-request-chunk.json',
        'overlapping-lanes.json',
        'chunk-hand-over.json',
        'chunk-hand-over-chunk.json',
        'parts-any-order.json',
        'canary-stopped.json',
        'not-found-continued.json',
        'vendor-down-retried.json',
      ]),
    );
  });

  it.each(files)('replays %s', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8')));
    const codePath = process.env.OFFBOARDING_TEST_WORKFLOW_BUNDLE;
    if (!codePath) throw new Error('run through Jest: globalSetup provides the workflow bundle');
    const name = path.basename(file, '.json');
    const workflowId = recordedWorkflowIds().get(name) ?? name;
    await Worker.runReplayHistory({ workflowBundle: { codePath } }, history, workflowId);
  });
});
