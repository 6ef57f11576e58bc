import { Injectable } from '@nestjs/common';
import { AppConfigService } from '#platform';

/**
 * The reminders' "now": what the processor, the scheduler and the digest runner take as the
 * present when they judge whether a reminder is due, held, within a day's budget, or whose
 * morning it is. In production it is the system clock. Outside production a test may set it
 * ahead (`setNow`), so reminders due tomorrow, quiet hours and next-morning digests are tested
 * without waiting for them; the BullMQ jobs' own delays stay in real time, so a test that moves
 * the time also promotes the jobs now due (test/reminders/harness.ts `advanceTo`).
 */
@Injectable()
export class ReminderTime {
  private offsetMs = 0;
  private readonly settable: boolean;

  constructor(config: AppConfigService) {
    this.settable = !config.isProduction;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** From now on the time reads `at` (and runs on from there). Refused in production. */
  setNow(at: Date): void {
    if (!this.settable) throw new Error('the reminder time can only be set outside production');
    this.offsetMs = at.getTime() - Date.now();
  }

  /** How far the time is set ahead of the system clock (0: not set). */
  get offset(): number {
    return this.offsetMs;
  }
}
