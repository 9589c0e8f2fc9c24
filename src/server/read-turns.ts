// A writer's public reads take turns with its ingest. Node runs every ready
// I/O callback in one pass of its event loop. With hundreds of readers'
// connections ready at once, one pass would serve hundreds of reads before
// the ingest's next PostgreSQL answer, signature verdict or device request is
// looked at, and every step of a station's receipt would wait behind the
// public: in the bench, reads over 256 connections pushed the receipts' p99
// from 0.13 s to over 8 s. Here at most `perTurn` reads go on per pass; the
// rest wait, in arrival order, for the passes after, each of which first runs
// the ingest's callbacks that became ready meanwhile.

/** Reads a writer serves per pass of the event loop (bench/results.md: receipts during the reads). */
export const READS_PER_TURN = 8;

/** Past this many reads served from the front of the queue, their slots are dropped. */
const COMPACT_AFTER = 1024;

export class ReadTurns {
  private left: number;
  private waiting: Array<() => void> = [];
  /** The first of `waiting` not yet served. */
  private next = 0;
  private turnQueued = false;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 1)
      throw new RangeError(`reads per turn must be a whole number ≥ 1, not ${perTurn}`);
    this.left = perTurn;
  }

  /** Runs `go` now if this pass has a turn left and no read waits; otherwise in a later pass. */
  admit(go: () => void): void {
    this.queueTurn();
    if (this.left > 0 && this.queued === 0) {
      this.left--;
      go();
    } else this.waiting.push(go);
  }

  /** Reads waiting for a later pass. */
  get queued(): number {
    return this.waiting.length - this.next;
  }

  private queueTurn(): void {
    if (this.turnQueued) return;
    this.turnQueued = true;
    // An immediate queued from an I/O callback runs after this pass's I/O;
    // one queued from inside an immediate runs only in the next pass, after
    // that pass's I/O. So each turn below follows the ingest's callbacks.
    setImmediate(this.turn);
  }

  /**
   * The end of a pass: those waiting get what is left of this pass's budget
   * (the reads run at once in its I/O took the rest); the next pass has a
   * budget of its own.
   */
  private readonly turn = (): void => {
    this.turnQueued = false;
    const now = Math.min(this.left, this.queued);
    this.left = this.perTurn;
    // Queued before any read runs, so one that throws cannot leave the rest waiting for good.
    if (this.queued > now) this.queueTurn();
    for (let i = 0; i < now; i++) {
      const go = this.waiting[this.next] as () => void;
      this.waiting[this.next++] = served;
      go();
    }
    if (this.next === this.waiting.length) {
      this.waiting = [];
      this.next = 0;
    } else if (this.next >= COMPACT_AFTER) {
      this.waiting = this.waiting.slice(this.next);
      this.next = 0;
    }
  };
}

function served(): void {}
