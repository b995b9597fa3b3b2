import DataLoader from "dataloader";

/** One statement carries at most this many keys; a bigger turn is split. */
const MAX_BATCH = 128;

/**
 * A DataLoader for lookups that may be answered together: the loads made in one turn of
 * the event loop reach `loadMany` as one batch, so N calls in flight cost one round trip.
 *
 * Nothing is remembered between turns (DataLoader's cache is off): every lookup is sent
 * after its call arrived, so a row changed before that is seen changed, exactly as with
 * a lookup of its own. Batching per tick (DataLoader's default) would pay nothing: calls
 * arrive one per socket read, so a tick mostly holds one load; the check phase after
 * the poll (`setImmediate`) gathers those of every read of this loop turn.
 */
export function loopTurnLoader<K, V>(loadMany: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  return new DataLoader<K, V>(loadMany, {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
}
