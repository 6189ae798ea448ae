import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { requestJsonSchema, SCHEMA_FILE } from '../../scripts/request-schema';
import { validateRequest } from '../../workflows/validation';
import { BAD_ID_VALUES, wellFormedRequest } from '../property/arbitraries';

/**
 * The JSON Schema published for HR integrators (docs/request.schema.json) is the one generated from
 * the request's zod declaration, and says what validation says where a JSON Schema can.
 */

const ROOT = path.resolve(__dirname, '../..');
const published = JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMA_FILE), 'utf8')) as Record<
  string,
  unknown
>;
const check = new Ajv2020({ allErrors: true }).compile(published);
const read = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as Record<string, unknown>;

describe('the published request schema', () => {
  it('is the one generated from the declaration (run npm run schema after changing workflows/request.ts)', () => {
    expect(published).toEqual(requestJsonSchema());
  });

  it('accepts the sample request, and the sample HR event with the requestId the webhook gives it', () => {
    const samples = [read('sample-request.json'), { requestId: 'hr-event-evt-1', ...read('hr-event.json') }];
    for (const sample of samples) {
      expect(check(sample) ? [] : check.errors).toEqual([]);
      expect(validateRequest(sample).ok).toBe(true);
    }
  });

  it('accepts every well-formed request, and refuses it with a bad id, an unknown field or custom_field', () => {
    fc.assert(
      fc.property(wellFormedRequest(8), fc.constantFrom(...BAD_ID_VALUES), ({ request }, [, bad]) => {
        expect(check(request) ? [] : check.errors).toEqual([]);
        const leavers = request.leavers.map((leaver, i) =>
          i === 0 ? { ...leaver, wpsUserId: bad } : leaver,
        );
        expect(check({ ...request, leavers })).toBe(false);
        expect(check({ ...request, note: 1 })).toBe(false);
        expect(check({ ...request, authingUserIdType: 'custom_field' })).toBe(false);
        expect(check({ ...request, leavers: [{ employeeId: 'E1' }] })).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
