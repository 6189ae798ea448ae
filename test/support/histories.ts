import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'histories');

/**
 * Each fixture's original workflow id: a run that derives ids from its own (chunk child workflows)
 * must be replayed under the id it ran with.
 */
export const WORKFLOW_IDS_FILE = path.join(HISTORY_FIXTURES, 'workflow-ids.txt');

export function recordedWorkflowIds(): Map<string, string> {
  if (!fs.existsSync(WORKFLOW_IDS_FILE)) return new Map();
  const lines = fs
    .readFileSync(WORKFLOW_IDS_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.includes(' '));
  return new Map(lines.map((l) => l.split(' ', 2) as [string, string]));
}

/**
 * With RECORD_HISTORIES=1, saves a finished run's history as a replay fixture. Fixtures are
 * recorded on purpose, when a scenario is added; a workflow change must replay the old ones.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
  const history = await handle.fetchHistory();
  fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
  const ids = recordedWorkflowIds();
  ids.set(name, handle.workflowId);
  const lines = [...ids].sort(([a], [b]) => a.localeCompare(b)).map(([n, id]) => `${n} ${id}`);
  fs.writeFileSync(WORKFLOW_IDS_FILE, `${lines.join('\n')}\n`);
}
