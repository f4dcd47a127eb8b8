/** What a RoomSync has done since it was made (see `RoomSync.stats`). */
export interface RoomSyncStats {
  snapshotsSent: number;
  /** Bytes of framed snapshots handed to the links. */
  bytesSent: number;
  /** Snapshots deflated and sent so (smaller), and tried but sent as they were (not smaller). */
  deflateChosen: number;
  deflateNotChosen: number;
  /**
   * Snapshots over `deflateAboveBytes` not tried: the member's recent tries did not pay (see
   * `DeflateTries`), as happens to deltas once the world is bigger than the budget.
   */
  deflateSkipped: number;
  /** Snapshots sent with a lost one again ahead of them, in one chain frame (`SyncTag.chain`). */
  chains: number;
  acksReceived: number;
  /** `phys` messages that were not valid sync frames (dropped). */
  badFrames: number;
  /** Snapshots the member's link would not take (closed, or too busy): not in `snapshotsSent`. */
  snapshotsRefused: number;
  /**
   * Snapshots written empty for a member who acked none of the 128 before (see the encoder's `stalled`):
   * one that never acks, or asks for a resync with every ack. Also `sync_snapshots_stalled_total`.
   */
  snapshotsStalled: number;
  /**
   * Snapshots that left out an entity too large to go even alone in the member's budget (with `adaptive`:
   * in its ceiling): it reaches that member only once the budget is raised or its state gets smaller (the
   * first such entity of each type is also named on the console). An entity over an adaptive budget that
   * a back-off lowered, but within the ceiling, is not counted: the budget is raised to carry it.
   */
  snapshotsOverBudget: number;
  /**
   * Calls of the app's `priority`, `tier`, `visible` or `viewGroup` that threw or returned what they must
   * not (a NaN priority, an unknown tier, a `visible` neither true nor false, a promise for a view
   * group): each is replaced for that
   * call by what hurts least (priority 0, the normal tier, the entity out of the view, a view of the
   * member's own), counted in `sync_callback_errors_total{callback}`, and logged (the first at once, then
   * at most once per 10 s). Calls of its `send` that threw are counted and logged the same way (that
   * snapshot counts as lost, in `snapshotsRefused`).
   */
  callbackErrors: number;
  /**
   * Snapshots not written because the encoder failed (a fault of this library, not of the app's
   * callbacks), or whose member's link threw taking them (also in `snapshotsRefused`): the member gets the
   * next one, the others theirs; `sync_snapshot_errors_total`, logged.
   */
  snapshotsFailed: number;
  /**
   * Members whose client said it cannot read this room's snapshots, its entity types being others (a page
   * from before a deploy): each is sent no more snapshots while it stays, counted in
   * `sync_types_mismatch_total`, and the console is told once per such client fingerprint.
   */
  typesMismatched: number;
  members: number;
}
