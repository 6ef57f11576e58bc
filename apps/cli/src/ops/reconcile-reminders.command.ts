import { ReminderReconciler } from '#reminders';
import { opsContext } from './ops-contexts.js';
import { stdout, type CommandOutput } from './output.js';

/**
 * `reconcile-reminders`: once, a full pass of what every worker does every
 * REMINDER_RECONCILE_MS — each SCHEDULED reminder row gets its BullMQ job
 * back if Redis lost it, and a job that gave up on a row still SCHEDULED
 * past its time is retried. Says how many jobs were missing; returns how
 * many rows it covered.
 */
export async function reconcileReminders(args: string[], out: CommandOutput = stdout): Promise<number> {
  if (args.length) throw new Error(`reconcile-reminders takes no arguments (got ${args.join(' ')})`);
  const app = await opsContext('reconcile');
  try {
    // the reconciler starts a pass as the context boots; this joins it (one pass, not two)
    const { covered, rearmed, revived } = await app.get(ReminderReconciler).reconcile();
    out.line(`reconciled ${covered} scheduled reminder(s): ${rearmed} missing job(s) re-added, ${revived} given-up job(s) past due retried`);
    return covered;
  } finally {
    await app.close();
  }
}
