import type { LeaverPart, PartReceipt, PlacedLeaverPart } from './messages';
import type { AuthingUserIdType, Leaver } from './request';
import { describeIssues, newSeenIds, rememberIds, validateLeaverPart, type SeenIds } from './validation';

/**
 * A large request's leavers while its parts arrive. Pure and deterministic: the workflow's update
 * validators call the `check…` methods, its handlers the `add…` ones.
 *
 * - `addLeaversAt` parts (`PlacedLeaverPart`) name their offset in the request and may arrive in
 *   any order, so a client can send several at once: parts sent together reach the workflow in
 *   whatever order the server accepts them, and most go in one workflow task instead of one task
 *   each. Such a part is refused if it lies outside the leavers announced or overlaps leavers already
 *   received; since every accepted part lies inside the request and none overlap, the parts tile the
 *   request exactly once `received` reaches `expected`.
 * - `addLeavers` parts (`LeaverPart`, as clients sent before) must each be the next in order, with
 *   the checks and messages of then, and are refused while a placed part waits ahead of a gap (a
 *   part "next in order" would then have no well-defined place).
 *
 * Either way, ids are checked against every part accepted before, whichever order they came in. Once
 * receiving has ended without every part (`close`, on a cancel), no part is taken any more.
 */
export class LeaverParts {
  /** The request's leavers in order, as far as they have arrived without a gap. */
  readonly leavers: Leaver[];
  private readonly seen: SeenIds;
  /** Placed parts that arrived ahead of a gap, by offset. */
  private readonly ahead = new Map<number, Leaver[]>();
  private readonly firstPartSize: number;
  private nextPart = 1;
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

  /** Throws an error that names the problem when the next-in-order part `input` cannot be taken. */
  checkNext(input: Partial<LeaverPart> | undefined): void {
    this.refuseIfClosed();
    if (input?.part !== this.nextPart)
      throw new Error(`part ${String(input?.part)} is out of order; part ${this.nextPart} is due next`);
    if (this.ahead.size > 0) {
      throw new Error(
        `part ${input.part} has no place: leavers ${this.leavers.length} onwards are still missing while later ones are in`,
      );
    }
    this.checkLeavers(input.part, input.leavers, this.leavers.length);
  }

  addNext(input: LeaverPart): PartReceipt {
    return this.add(input.part, input.leavers, this.leavers.length);
  }

  /** Throws an error that names the problem when the placed part `input` cannot be taken. */
  checkPlaced(input: Partial<PlacedLeaverPart> | undefined): void {
    this.refuseIfClosed();
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
    this.checkLeavers(part, input?.leavers, offset);
  }

  addPlaced(input: PlacedLeaverPart): PartReceipt {
    return this.add(input.part, input.leavers, input.offset);
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

  private refuseIfClosed(): void {
    if (this.closed)
      throw new Error('this run takes no more parts: it stopped receiving them (it was cancelled)');
  }

  private checkLeavers(part: number, leavers: unknown, offset: number): void {
    const check = validateLeaverPart(leavers, offset, this.seen);
    if (!check.ok) throw new Error(`invalid offboarding request: ${describeIssues(check.issues)}`);
    if (offset + check.leavers.length > this.expected) {
      throw new Error(`part ${part} brings more leavers than the ${this.expected} announced`);
    }
  }

  private add(part: number, leavers: Leaver[], offset: number): PartReceipt {
    rememberIds(leavers, offset, this.seen);
    this.nextPart = Math.max(this.nextPart, part + 1);
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
}
