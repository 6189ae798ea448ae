import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces are plain strings in Temporal's history unless the failure
 * converter moves them into an (encoded, so encrypted) payload. Ours can name a leaver (a vendor
 * error, a validation message), so with encryption on they travel as `encodedAttributes` and the
 * history shows "Encoded failure".
 *
 * Loaded by path (`failureConverterPath`): by the client and the worker through `dataConverter`, and
 * by `bundleWorkflowCode({ failureConverterPath })` for failures raised in workflow code. Imports
 * only @temporalio/common, so it is safe inside the workflow sandbox. Decoding does not depend on
 * this setting: any side reads encoded and plain failures alike, so processes can be switched over
 * one at a time.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
