import type { JobsOptions } from 'bullmq';

// The reminders' jobs, as BullMQ holds them: their ids, data and times (pure: no queue, no clock).
// ReminderClock adds them; the bench adds the same.

/** A reminder's job id: its row and its time (a moved reminder gets a new job). */
export function jobIdOf(id: string, at: Date): string {
  return `${id}_${at.getTime()}`;
}

/** A wake-up's job id: its practice and the end of its slot. */
export function wakeIdOf(practiceId: string, slotEnd: number): string {
  return `wake_${practiceId}_${slotEnd}`;
}

export interface ReminderJobData {
  reminderId: string;
  practiceId: string;
  /** epoch ms the job was scheduled for; a row rescheduled since makes this job stale */
  scheduledFor: number;
  /** the request that caused the reminder (absent on jobs the reconciler re-created: the row has it) */
  correlationId?: string;
}

/** The job name of a wake-up (`WakeJobData`); a reminder's own job is named 'deliver'. */
export const WAKE_JOB = 'wake';

/** A wake-up: a practice's reminders due by `scheduledFor` (epoch ms, the end of its slot) are taken up together. */
export interface WakeJobData {
  practiceId: string;
  scheduledFor: number;
  /** a wake-up added by a worker whose batch came back full, so that other workers join in: its number in that chain */
  help?: number;
}

export interface ClockEntry {
  id: string;
  practiceId: string;
  at: Date;
  correlationId?: string | null;
}

/** The longest slot of time one wake-up answers for (at most REMINDER_LEAD_MS: a slot's rows are taken up before their time). */
export const WAKE_SLOT_MS = 250;

export interface ClockTimes {
  /** REMINDER_LEAD_MS: a wake-up fires this long before the end of its slot */
  leadMs: number;
  /** a reminder's own job fires this long after its time (REMINDER_LEASE_SECONDS: when a dead worker's lease on it has ended) */
  backstopMs: number;
}

/** The end of the slot a reminder's time falls in (epoch ms): its wake-up's time. */
export function wakeSlotOf(at: Date, leadMs: number): number {
  const slot = leadMs > 0 ? Math.min(WAKE_SLOT_MS, leadMs) : 1;
  return Math.ceil(at.getTime() / slot) * slot;
}

/** Where a wake-up's sweep starts: the start of its slot. */
export function wakeSlotStart(end: number, leadMs: number): Date {
  return new Date(end - (leadMs > 0 ? Math.min(WAKE_SLOT_MS, leadMs) : 1));
}

/**
 * The jobs of these entries, as BullMQ's addBulk takes them: one job per reminder (its backstop,
 * and the one that carries its retries) and one wake-up per practice and slot, which is what takes
 * the reminders up in the normal course (see ReminderClock). `now` is the reminders' time.
 */
export function clockJobs(entries: readonly ClockEntry[], now: number, times: ClockTimes, options: JobsOptions) {
  const jobs: { name: string; data: ReminderJobData | WakeJobData; opts: JobsOptions }[] = entries.map((e) => ({
    name: 'deliver',
    data: {
      reminderId: e.id,
      practiceId: e.practiceId,
      scheduledFor: e.at.getTime(),
      ...(e.correlationId ? { correlationId: e.correlationId } : {}),
    } satisfies ReminderJobData,
    opts: { ...options, jobId: jobIdOf(e.id, e.at), delay: Math.max(0, e.at.getTime() + times.backstopMs - now) },
  }));
  const wakes = new Map<string, WakeJobData>();
  for (const e of entries) {
    const end = wakeSlotOf(e.at, times.leadMs);
    wakes.set(wakeIdOf(e.practiceId, end), { practiceId: e.practiceId, scheduledFor: end });
  }
  for (const [jobId, data] of wakes) jobs.push({ name: WAKE_JOB, data, opts: wakeOptions(jobId, Math.max(0, data.scheduledFor - times.leadMs - now)) });
  return jobs;
}

/** A wake-up's options: a few quick retries when its sweep fails, gone once done. */
export function wakeOptions(jobId: string, delay: number): JobsOptions {
  return { jobId, delay, attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } };
}

