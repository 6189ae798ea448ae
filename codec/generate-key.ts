import { CodecConfigError } from './env';
import { generateKeyLine } from './keys';

/**
 * Prints a new payload encryption key as one PAYLOAD_CODEC_KEYS entry:
 *
 *   node dist/codec/generate-key.js            # k2026-11:<base64 of 32 random bytes>
 *   node dist/codec/generate-key.js k2027-01   # with a chosen key id
 *
 * The key goes to stdout only, so that it can be piped straight into a secret store.
 */
export function main(argv: readonly string[] = process.argv.slice(2)): number {
  try {
    process.stdout.write(`${generateKeyLine(argv[0])}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CodecConfigError)) throw err;
    process.stderr.write(`generate-key: ${err.message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main();
