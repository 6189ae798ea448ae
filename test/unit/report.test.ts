import { formatResult, formatSummary } from '../../client/report';
import { emptyCounts } from '../../workflows/outcome';
import type { CompleteResult } from '../../workflows/result';

/** A `not_found` is never to be read as done: summaries count it, results list it apart. */
describe('result rendering of not_found', () => {
  const result: CompleteResult = {
    requestId: 'r-1',
    status: 'completed',
    authingUserIdType: 'user_id',
    leavers: 2,
    failedLeavers: 0,
    totals: {
      wps: { ...emptyCounts(), done: 1, not_found: 1 },
      authing: { ...emptyCounts(), done: 2 },
    },
    outcomes: [
      {
        employeeId: 'E1',
        wpsUserId: 'wps-1',
        authingUserId: 'au-1',
        wps: { status: 'done' },
        authing: { status: 'done' },
      },
      {
        employeeId: 'E2',
        wpsUserId: 'wps-404',
        authingUserId: 'au-2',
        wps: {
          status: 'not_found',
          message: 'not returned by WPS batch_read (the first read)',
          vendorRequestId: 'req-9',
        },
        authing: { status: 'done' },
      },
    ],
    notFoundAccepted: [
      {
        system: 'wps',
        by: 'ops-1',
        reason: 'contractor',
        at: '2026-12-03T10:00:00.000Z',
        hold: {
          system: 'wps',
          reason: 'x',
          endpoint: 'WPS batch_read',
          userIds: ['wps-404'],
          vendorRequestIds: [],
        },
      },
    ],
  };

  it('counts them in the headline, with who accepted them', () => {
    expect(formatSummary(result).split('\n')[0]).toBe(
      'request r-1: completed (2 leavers, 0 failed); 1 id not found (listed apart: not done); WPS 365 not_found accepted by ops-1: contractor',
    );
  });

  it('lists them apart after the totals, with the read that did not return them', () => {
    const lines = formatResult(result).split('\n');
    const at = lines.findIndex((l) => l.startsWith('not found (not done'));
    expect(at).toBeGreaterThan(lines.findIndex((l) => l === 'totals:'));
    expect(lines[at + 1]).toBe('  E2  WPS 365 wps-404 (request req-9)');
    expect(lines).toHaveLength(at + 2);
  });

  it('has no such section when every id was known', () => {
    const known: CompleteResult = {
      ...result,
      totals: { wps: { ...emptyCounts(), done: 1 }, authing: { ...emptyCounts(), done: 1 } },
      outcomes: result.outcomes.slice(0, 1),
      notFoundAccepted: [],
    };
    expect(formatResult(known)).not.toContain('not found');
  });
});
