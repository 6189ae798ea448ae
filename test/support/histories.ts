import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, saves a finished run's history as a replay fixture. Fixtures are
 * recorded on purpose, when a scenario is added; a workflow change must replay the old ones.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
  const history = await handle.fetchHistory();
  fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
}
