import { ApplicationFailure } from '@temporalio/common';

/** The ApplicationFailure that `p` rejects with; fails the test if it resolves or rejects with anything else. */
export async function applicationFailureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}
