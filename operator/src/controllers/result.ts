/** What a reconcile asks of its work queue: nothing (done until the next event), or another pass later. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}
