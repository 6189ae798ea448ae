/** A small Dockerfile reader for the deploy tests: instructions by stage, comments dropped. */

export interface Instruction {
  keyword: string;
  /** The arguments, continuation lines joined with single spaces. */
  args: string;
  /** As written, continuations joined: `RUN npm ci ...`. */
  text: string;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(source: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.replace(/\s+/g, ' ').trim());
    pending = '';
  }
  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const text of logical) {
    const [keyword = '', ...rest] = text.split(' ');
    const instruction: Instruction = { keyword: keyword.toUpperCase(), args: rest.join(' '), text };
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      result.stages.push({
        from: match?.[1] ?? instruction.args,
        name: match?.[2] ?? String(result.stages.length),
        instructions: [],
      });
    } else if (result.stages.length === 0) {
      result.globalArgs.push(instruction);
    } else {
      result.stages[result.stages.length - 1]?.instructions.push(instruction);
    }
  }
  return result;
}

/** The JSON (exec) form of CMD/ENTRYPOINT as an array, or undefined for the shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (!instruction) return undefined;
  try {
    const parsed: unknown = JSON.parse(instruction.args);
    return Array.isArray(parsed) && parsed.every((p): p is string => typeof p === 'string')
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}
