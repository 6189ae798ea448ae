import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORY_FIXTURES, recordedWorkflowIds } from '../support/histories';

/**
 * Replays every recorded history against today's workflow code. A change that would make a
 * running workflow non-deterministic fails here; such a change needs `patched()` or a new workflow
 * type (docs/operations.md, "Versions and upgrades"): runs in flight move to new code.
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

  const replay = (file: string, workflowBundle: { codePath: string } | { code: string }) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8')));
    const name = path.basename(file, '.json');
    return Worker.runReplayHistory({ workflowBundle }, history, recordedWorkflowIds().get(name) ?? name);
  };

  it.each(files)('replays %s', async (file) => {
    const codePath = process.env.OFFBOARDING_TEST_WORKFLOW_BUNDLE;
    if (!codePath) throw new Error('run through Jest: globalSetup provides the workflow bundle');
    await replay(file, { codePath });
  });

  it('fails on a non-deterministic change: the guard works', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('./nondeterministic-workflow'),
      logger: new DefaultLogger('WARN'),
    });
    const replayed = replay('scheduled-then-cancelled.json', { code });
    await expect(replayed).rejects.toThrow(DeterminismViolationError);
    // For the change made, not for any other reason: a timer where the history upserts.
    await expect(replayed).rejects.toThrow(/Timer .*UpsertWorkflowSearchAttributes/);
  });
});
