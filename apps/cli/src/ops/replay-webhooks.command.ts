import { parseArgs } from 'node:util';
import { EXTERNAL_ID } from '#platform';
import { WebhookReplay, type ReplayReport } from '#reminders';
import { opsContext } from './ops-contexts.js';
import { stdout, type CommandOutput } from './output.js';

const SHOWN_FAILURES = 20;

/**
 * `replay-webhooks --from ISO --to ISO [--practice P]`: delivers again the
 * reminders SENT in [from, to) to their practice's webhook, with the same
 * X-Delivery-Id (receivers de-duplicate); records nothing.
 */
export async function replayWebhooks(args: string[], out: CommandOutput = stdout): Promise<ReplayReport> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, practice: { type: 'string' } } });
  const from = instant('--from', values.from);
  const to = instant('--to', values.to);
  if (from.getTime() >= to.getTime()) throw new Error('--from must be before --to');
  if (values.practice !== undefined && !EXTERNAL_ID.test(values.practice)) throw new Error(`invalid --practice "${values.practice}"`);

  const app = await opsContext('replay');
  try {
    const report = await app.get(WebhookReplay).replay({ from, to, practiceId: values.practice });
    out.line(
      `${report.found} SENT reminder(s) between ${from.toISOString()} and ${to.toISOString()} in ${report.practices} practice(s): ` +
        `${report.delivered} delivered again, ${report.failed.length} failed, ${report.skipped} skipped (no webhook URL)`,
    );
    for (const f of report.failed.slice(0, SHOWN_FAILURES)) out.line(`  failed ${f.reminderId} (practice ${f.practiceId}): ${f.error}`);
    if (report.failed.length > SHOWN_FAILURES) out.line(`  ... and ${report.failed.length - SHOWN_FAILURES} more`);
    return report;
  } finally {
    await app.close();
  }
}

function instant(flag: string, value: string | undefined): Date {
  if (!value) throw new Error(`${flag} ISO-8601 instant is required`);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`${flag}: "${value}" is not an ISO-8601 instant`);
  return at;
}
