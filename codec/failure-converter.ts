import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces are plain strings in Temporal's history unless the failure
 * converter moves them into an (encoded, so encrypted) payload. Ours can name a leaver (a vendor
 * error, a validation message), so with encryption on they travel as `encodedAttributes` and the
 * history shows "Encoded failure".
 *
 * Loaded by path (`failureConverterPath`), also into the workflow bundle: it imports only
 * @temporalio/common. Any side decodes encoded and plain failures alike, so processes can switch over
 * one at a time.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
