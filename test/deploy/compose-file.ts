import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import YAML from 'yaml';

/** Reading docker-compose.yml and the vendored Compose Specification schema, for the deploy tests. */

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}

export interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | string[];
  secrets?: Array<string | { source: string }>;
  ports?: Array<string | number | Record<string, unknown>>;
  expose?: unknown[];
  volumes?: Array<string | Record<string, unknown>>;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number | string };
  healthcheck?: Healthcheck;
  restart?: string;
  stop_grace_period?: string;
  container_name?: string;
  'x-no-healthcheck'?: string;
}

export interface ComposeFile {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
  [extension: string]: unknown;
}

export function readRepoFile(relative: string): string {
  return fs.readFileSync(path.join(ROOT, relative), 'utf8');
}

/** The compose file as Compose reads it: YAML merge keys (`<<: *anchor`) resolved. */
export function loadCompose(): ComposeFile {
  return YAML.parse(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** Validates against deploy/compose-spec.json; returns Ajv's errors (empty when valid). */
export function validateAgainstSpec(document: unknown): ErrorObject[] {
  const schema = JSON.parse(readRepoFile('deploy/compose-spec.json')) as { $schema?: string };
  // The schema names draft-07 by its https URL; Ajv knows the draft under its http id.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  ajv.addMetaSchema(draft07, schema.$schema);
  const validate = ajv.compile(schema);
  return validate(document) ? [] : (validate.errors ?? []);
}

/** A service's environment as a map (Compose also accepts a list of KEY=VALUE). */
export function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function secretNamesOf(service: Service): string[] {
  return (service.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
}

export function envFilesOf(service: Service): string[] {
  const files = service.env_file ?? [];
  return Array.isArray(files) ? files : [files];
}

/** `${NAME:-default}` resolved to its default, as Compose does when NAME is unset. */
export function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

/** KEY=VALUE lines of an env file (comments and blanks skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

/** Durations as Compose writes them (`75s`, `1m30s`), in seconds. */
export function durationSeconds(value: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(amount) * (units[unit ?? 's'] ?? 0);
  }
  return total;
}
