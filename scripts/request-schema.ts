import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OffboardingRequestSchema } from '../workflows/request';

/**
 * `npm run schema`: docs/request.schema.json, the JSON Schema of the offboarding request for HR
 * integrators, generated from its zod declaration (workflows/request.ts); npm then formats it with
 * prettier. test/unit/request-schema.test.ts fails while the published file differs from this.
 */

export const SCHEMA_FILE = path.join('docs', 'request.schema.json');

/** The request as a sender writes it (before defaults and parsing): zod's input side. */
export function requestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(OffboardingRequestSchema, { io: 'input' });
}

if (require.main === module) {
  fs.writeFileSync(SCHEMA_FILE, `${JSON.stringify(requestJsonSchema(), null, 2)}\n`);
  process.stderr.write(`request schema: ${path.resolve(SCHEMA_FILE)}\n`);
}
