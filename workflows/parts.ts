import type { LeaverPart, PartReceipt } from './messages';
import type { AuthingUserIdType, Leaver } from './request';
import { describeIssues, newSeenIds, rememberIds, validateLeaverPart, type SeenIds } from './validation';

/**
 * A large request's leavers while its parts arrive, in any order (client/parts.ts says why). Pure: the
 * workflow's update validator calls `check`, its handler `add`. A part outside the leavers announced
 * or overlapping leavers received is refused, so the parts tile the request exactly once `received`
 * reaches `expected`; ids are checked against every part accepted before. After `close` (a cancel),
 * no part is taken.
 */
export class LeaverParts {
  /** The request's leavers in order, as far as they have arrived without a gap. */
  readonly leavers: Leaver[];
  private readonly seen: SeenIds;
  /** Parts that arrived ahead of a gap, by offset. */
  private readonly ahead = new Map<number, Leaver[]>();
  private readonly firstPartSize: number;
  private aheadCount = 0;
  private closed = false;

  constructor(
    first: readonly Leaver[],
    readonly expected: number,
    authingUserIdType: AuthingUserIdType = 'user_id',
  ) {
    this.seen = newSeenIds(authingUserIdType);
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

  /** Throws an error that names the problem when the part `input` cannot be taken. */
  check(input: Partial<LeaverPart> | undefined): void {
    if (this.closed)
      throw new Error('this run takes no more parts: it stopped receiving them (it was cancelled)');
    const part = input?.part;
    if (typeof part !== 'number' || !Number.isInteger(part) || part < 1) {
      throw new Error(`part ${String(part)}: a part's number must be a whole number from 1`);
    }
    const offset = input?.offset;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < this.firstPartSize) {
      throw new Error(
        `part ${part}: offset ${String(offset)} must be a whole number from ${this.firstPartSize} (the leavers after the first part)`,
      );
    }
    // Where it would go, before what it holds: an overlap (parts cut differently by another
    // submission) is named as such, not as the duplicate ids it also brings.
    const size = Array.isArray(input?.leavers) ? input.leavers.length : 0;
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
    const check = validateLeaverPart(input?.leavers, offset, this.seen);
    if (!check.ok) throw new Error(`invalid offboarding request: ${describeIssues(check.issues)}`);
    if (offset + check.leavers.length > this.expected)
      throw new Error(`part ${part} brings more leavers than the ${this.expected} announced`);
  }

  add({ leavers, offset }: LeaverPart): PartReceipt {
    rememberIds(leavers, offset, this.seen);
    if (offset === this.leavers.length) {
      this.leavers.push(...leavers);
      for (let next = this.ahead.get(this.leavers.length); next; next = this.ahead.get(this.leavers.length)) {
        this.ahead.delete(this.leavers.length);
        this.aheadCount -= next.length;
        this.leavers.push(...next);
      }
    } else {
      this.ahead.set(offset, leavers);
      this.aheadCount += leavers.length;
    }
    return { received: this.received, expected: this.expected };
  }

  /**
   * Ends receiving before every part is in (a cancel): the parts that came ahead of a gap are
   * appended in request order, so that every leaver received gets an outcome, and no part is taken
   * after this.
   */
  close(): void {
    this.closed = true;
    for (const at of [...this.ahead.keys()].sort((a, b) => a - b))
      this.leavers.push(...(this.ahead.get(at) ?? []));
    this.ahead.clear();
    this.aheadCount = 0;
  }
}
