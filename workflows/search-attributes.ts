import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, defined once: the workflow upserts them, the client sets them at start
 * and filters on them, and the dev server registers them (scripts/lib/dev-server.ts).
 */
export const REQUEST_ID = defineSearchAttributeKey('OffboardingRequestId', SearchAttributeType.KEYWORD);
export const LEAVER_COUNT = defineSearchAttributeKey('OffboardingLeaverCount', SearchAttributeType.INT);
export const FAILED_COUNT = defineSearchAttributeKey('OffboardingFailedCount', SearchAttributeType.INT);
export const PHASE = defineSearchAttributeKey('OffboardingPhase', SearchAttributeType.KEYWORD);
/** Leaver ids a vendor did not know, over both systems: never to be mistaken for done. */
export const NOT_FOUND_COUNT = defineSearchAttributeKey('OffboardingNotFoundCount', SearchAttributeType.INT);
/** `request` for a request's run, `chunk` for the chunk runs of a large one (lists of requests only). */
export const RUN_KIND = defineSearchAttributeKey('OffboardingRunKind', SearchAttributeType.KEYWORD);

export const OFFBOARDING_SEARCH_ATTRIBUTES = [
  REQUEST_ID,
  LEAVER_COUNT,
  FAILED_COUNT,
  PHASE,
  NOT_FOUND_COUNT,
  RUN_KIND,
] as const;
