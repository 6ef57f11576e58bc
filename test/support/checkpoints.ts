import type pg from 'pg';

/**
 * Puts every subscriber back to one single-owner checkpoint at the end of the log, so the next
 * file's workers may run with another SUBSCRIPTION_PARTITIONS: a runner refuses checkpoints made
 * with another split (SubscriptionPartitionsChangedError), and a split started from a stale
 * single-owner row would re-read what earlier files already projected. Files run one at a time; only
 * while no worker runs.
 */
export async function resetSubscriberSplits(owner: pg.Pool): Promise<void> {
  await owner.query(`
    WITH tail AS (SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1),
         names AS (SELECT DISTINCT split_part(name, '#', 1) AS name FROM subscription_checkpoints WHERE name LIKE '%#%'),
         gone AS (DELETE FROM subscription_checkpoints WHERE name LIKE '%#%')
    INSERT INTO subscription_checkpoints (name, transaction_id, position)
    SELECT n.name, t.transaction_id, t.position FROM names n, tail t
    ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now()`);
}
