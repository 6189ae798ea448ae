import type { LeaverPart, PartReceipt } from './messages';
import type { Leaver } from './request';
import { describeIssues, newSeenIds, rememberIds, validateLeaverPart, type SeenIds } from './validation';

/**
 * A large request's leavers while its parts arrive (the start carries the first; each `addLeavers`
 * update one more). Pure and deterministic: the workflow's update validator calls `check`, its
 * handler `add`.
 *
 * A part that names its `offset` (its first leaver's index in the request) may arrive in any order,
 * so a client can send several at once: parts sent together reach the workflow in whatever order
 * the server accepts them, and most go in one workflow task instead of one task each. Such a part is
 * refused if it is already in, lies past the leavers announced, or overlaps leavers already received;
 * since every accepted part lies inside the request and none overlap, the parts tile the request
 * exactly once `received` reaches `expected`. Ids are checked against every part accepted before, in
 * whichever order they came.
 *
 * A part without `offset` (as clients sent before) must be the next in order, with the same checks
 * and messages as then, so a run recorded with such parts replays unchanged.
 */
export class LeaverParts {
  /** The request's leavers in order, as far as they have arrived without a gap. */
  readonly leavers: Leaver[];
  private readonly seen: SeenIds = newSeenIds();
  /** Parts that arrived ahead of a gap, by offset. */
  private readonly ahead = new Map<number, Leaver[]>();
  private readonly partsIn = new Set<number>();
  private readonly firstPartSize: number;
  private nextPart = 1;
  private aheadCount = 0;

  constructor(
    first: readonly Leaver[],
    readonly expected: number,
  ) {
    this.leavers = [...first];
    this.firstPartSize = first.length;
    rememberIds(this.leavers, 0, this.seen);
  }

  /** Leavers received so far, in all parts. */
  get received(): number {
    return this.leavers.length + this.aheadCount;
  }

  get complete(): boolean {
    return this.received >= this.expected;
  }

  /** Throws an error that names the problem when `input` cannot be accepted; changes nothing. */
  check(input: Partial<LeaverPart> | undefined): void {
    const legacy = input?.offset === undefined;
    if (legacy && input?.part !== this.nextPart) {
      throw new Error(`part ${String(input?.part)} is out of order; part ${this.nextPart} is due next`);
    }
    const part = input?.part;
    if (typeof part !== 'number' || !Number.isInteger(part) || part < 1) {
      throw new Error(`part ${String(part)}: a part's number must be a whole number from 1`);
    }
    if (this.partsIn.has(part)) throw new Error(`part ${part} was already received`);
    const offset = legacy ? this.leavers.length : input.offset;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < this.firstPartSize) {
      throw new Error(
        `part ${part}: offset ${String(offset)} must be a whole number from ${this.firstPartSize} (the leavers after the first part)`,
      );
    }
    // Where it would go, before what it holds: an overlap (a part sent twice under another number,
    // parts cut differently) is named as such, not as the duplicate ids it also brings.
    const size = Array.isArray(input.leavers) ? input.leavers.length : 0;
    const end = offset + size;
    const overlaps = (at: number, length: number): boolean => offset < at + length && at < end;
    if (
      size > 0 &&
      (overlaps(0, this.leavers.length) || [...this.ahead].some(([at, l]) => overlaps(at, l.length)))
    ) {
      throw new Error(
        `part ${part} (leavers[${offset}] to leavers[${end - 1}]) overlaps leavers already received`,
      );
    }
    const check = validateLeaverPart(input.leavers, offset, this.seen);
    if (!check.ok) throw new Error(`invalid offboarding request: ${describeIssues(check.issues)}`);
    if (offset + check.leavers.length > this.expected) {
      throw new Error(`part ${part} brings more leavers than the ${this.expected} announced`);
    }
  }

  /** Adds a part that `check` accepted; says how many leavers are in now. */
  add(input: LeaverPart): PartReceipt {
    const offset = input.offset ?? this.leavers.length;
    rememberIds(input.leavers, offset, this.seen);
    this.partsIn.add(input.part);
    this.nextPart = Math.max(this.nextPart, input.part + 1);
    if (offset === this.leavers.length) {
      this.leavers.push(...input.leavers);
      for (let next = this.ahead.get(this.leavers.length); next; next = this.ahead.get(this.leavers.length)) {
        this.ahead.delete(this.leavers.length);
        this.aheadCount -= next.length;
        this.leavers.push(...next);
      }
    } else {
      this.ahead.set(offset, input.leavers);
      this.aheadCount += input.leavers.length;
    }
    return { received: this.received, expected: this.expected };
  }

  /**
   * For a run that stops receiving before every part is in (a cancel): appends the parts that came
   * ahead of a gap, in request order, so that every leaver received gets an outcome.
   */
  takeAhead(): void {
    for (const at of [...this.ahead.keys()].sort((a, b) => a - b))
      this.leavers.push(...(this.ahead.get(at) ?? []));
    this.ahead.clear();
    this.aheadCount = 0;
  }
}
