import { z } from 'zod';

/**
 * What each Authing management-API answer must look like (specs/authing.md, "Confirmed since"),
 * checked with activities/shared/contract.ts `checkContract` before anything reads the answer. An
 * answer that does not match (not JSON, a missing or renamed field, a status we do not know) is a
 * non-retryable VendorProtocolError: it never becomes an outcome or a default.
 *
 * Objects are not strict: a UserDto has many more fields than these, and a field we do not read
 * cannot mislead us. What we read must be there, with the type and values declared here.
 */

export const AUTHING_USER_STATUSES = [
  'Activated',
  'Suspended',
  'Resigned',
  'Archived',
  'Deactivated',
] as const;
export type AuthingUserStatus = (typeof AUTHING_USER_STATUSES)[number];

/** `workStatus`, separate from `status`; read only to refuse a value we do not know. */
export const AUTHING_WORK_STATUSES = ['Active', 'Closed'] as const;

/** `statusCode` and `apiCode` come as numbers or as strings of digits (the SDKs accept both). */
const code = z
  .union([z.number().int(), z.string().regex(/^\d+$/, 'expected a number or a string of digits')])
  .transform(Number);

/** Absent and null say the same for fields we only compare or echo into errors. */
const text = z.string().nullish();

/**
 * Every answer, success or failure. `requestId` comes back only on failure; `apiCode` only on some
 * failures. `data` is checked per endpoint, and only on success.
 */
export const authingEnvelope = z.object({
  statusCode: code,
  apiCode: code.nullish(),
  message: text,
  requestId: text,
  data: z.unknown().optional(),
});
export type AuthingEnvelopeChecked = z.infer<typeof authingEnvelope>;

const ok = code.pipe(z.literal(200));

/** get-management-token. */
export const tokenContract = z.object({
  statusCode: ok,
  data: z.object({
    access_token: z.string().min(1),
    expires_in: z.number().positive(),
  }),
});

export const identityDto = z.object({
  extIdpId: text,
  provider: text,
  userIdInIdp: text,
});

export const userDto = z.object({
  userId: z.string().min(1),
  status: z.enum(AUTHING_USER_STATUSES),
  workStatus: z.enum(AUTHING_WORK_STATUSES).nullish(),
  externalId: text,
  email: text,
  phone: text,
  username: text,
  identities: z.array(identityDto).nullish(),
});
export type UserDto = z.infer<typeof userDto>;

/** get-user-batch: statusCode 200 and an array of UserDto (an empty array: nobody found). */
export const userBatchContract = z.object({
  statusCode: ok,
  data: z.array(userDto),
});

/** resign-user-batch: success only with `data.success === true` (there is no per-user result). */
export const resignContract = z.object({
  statusCode: ok,
  data: z.object({ success: z.literal(true) }),
});
