import { inspect } from 'node:util';

/**
 * A credential that cannot leak by accident: printing, logging, JSON-serialising or inspecting it
 * shows `[secret]`. Only `reveal()` gives the value, and only the code that signs or sends it calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

/** A secret is a value, or a provider that yields one (a vault look-up, a file read on rotation). */
export type SecretSource = Secret | (() => Secret | Promise<Secret>);

export async function resolveSecret(source: SecretSource): Promise<Secret> {
  return source instanceof Secret ? source : source();
}
