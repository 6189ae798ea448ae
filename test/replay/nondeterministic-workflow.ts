import { sleep } from '@temporalio/workflow';

/**
 * A non-deterministic change on purpose (test/replay/replay.test.ts): the workflow type `offboarding`
 * whose first command is a timer, where the recorded runs first upsert their search attributes.
 */
export async function offboarding(): Promise<void> {
  await sleep('1 day');
}
