import { z } from 'zod';
import { contractViolation, type ContractContext } from '../shared/contract';

/**
 * What the connector accepts from WPS 365, one declared contract per endpoint (specs/wps-365.md §1,
 * §4, §6). Every answer is checked against its contract before anything reads it; a mismatch is a
 * non-retryable `VendorProtocolError` (activities/shared/contract.ts), never an outcome or a default.
 */

/** Every status §6 confirms; the batch_read filter asks for all of them, or some users look unknown. */
export const WPS_USER_STATUSES = ['active', 'notactive', 'disabled', 'dimission'] as const;
export type WpsUserStatus = (typeof WPS_USER_STATUSES)[number];

/** Any 2xx answer of a v7 endpoint: `code` decides success (0) or failure, even on HTTP 200. */
export const WPS_ENVELOPE = z.object({ code: z.number().int() });

/** `POST /oauth2/token` success (§1, §6: `expires_in` is present). */
export const WPS_TOKEN_SUCCESS = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
});

/** `POST /v7/users/batch_read` success; other item fields (email, depts, ...) are allowed. */
export const WPS_BATCH_READ_SUCCESS = z.object({
  code: z.literal(0),
  data: z.object({
    items: z.array(
      z.object({
        id: z.string().min(1),
        status: z.enum(WPS_USER_STATUSES),
      }),
    ),
  }),
});

/** `POST /v7/users/batch_disable` success (§3). */
export const WPS_BATCH_DISABLE_SUCCESS = z.object({ code: z.literal(0) });

/**
 * The statuses of a batch_read that passed its schema, checked beyond it: every item is for an id we
 * asked for, and no id comes twice. Either would otherwise become some user's outcome.
 */
export function batchReadStatuses(
  asked: readonly string[],
  items: ReadonlyArray<{ id: string; status: WpsUserStatus }>,
  ctx: ContractContext,
  answer: unknown,
): Map<string, WpsUserStatus> {
  const wanted = new Set(asked);
  const statuses = new Map<string, WpsUserStatus>();
  items.forEach((item, i) => {
    const field = `data.items[${i}].id`;
    if (!wanted.has(item.id)) {
      throw contractViolation(ctx, field, 'an id that was not in the request', answer);
    }
    if (statuses.has(item.id)) {
      throw contractViolation(ctx, field, 'a second item for an id already returned', answer);
    }
    statuses.set(item.id, item.status);
  });
  return statuses;
}
