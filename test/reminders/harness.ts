import { randomUUID } from 'node:crypto';
import { runScopedPrefix } from '../support/redis.js';
import { jest } from '@jest/globals';
import pg from 'pg';
import { DigestRunner, ReminderClock, ReminderTime } from '#reminders';
import { TestApi, type Caller } from '../support/api.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';
import { testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { TestWorker } from '../support/worker.js';

export const SECRET = 'whsec_test_secret_0123456789abcdef';

// Jest applies `testTimeout` from the global config only, so the integration project's 60 s in
// jest.config.js does not reach these files: without this every test here would have 5 s. A
// ceiling for a loaded machine (the shared one runs at a load of 25+ on 2 cores), not a timing.
jest.setTimeout(90_000);

/** Everything a reminder test needs: API, worker, webhook receiver, SMTP server, a pool. */
export class ReminderRig {
  worker!: TestWorker;
  private workerRunning = false;
  /** the practices this rig made (activeEngagement): their waiting reminders are cancelled when it closes */
  readonly practiceIds = new Set<string>();
  private readonly extraReceivers: HttpReceiver[] = [];
  constructor(
    readonly api: TestApi,
    readonly hooks: HttpReceiver,
    readonly smtp: SmtpReceiver,
    readonly pool: pg.Pool,
    readonly env: Record<string, string>,
  ) {}

  static async start(extraEnv: Record<string, string> = {}): Promise<ReminderRig> {
    const hooks = await startHttpReceiver(204);
    const smtp = await startSmtpReceiver();
    const env = {
      QUEUE_PREFIX: runScopedPrefix('q', `test-${randomUUID().slice(0, 8)}`),
      SMTP_URL: smtp.url,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_TIMEOUT_MS: '2000',
      REMINDER_BACKOFF_MS: '200',
      REMINDER_ATTEMPTS: '3',
      REMINDER_RECONCILE_MS: '3600000',
      ...extraEnv,
    };
    const api = await TestApi.start(env);
    const rig = new ReminderRig(api, hooks, smtp, testPool(5), env);
    rig.worker = await TestWorker.start(env);
    rig.workerRunning = true;
    return rig;
  }

  /** How far the reminder time is set ahead of the system clock (kept across worker restarts). */
  private timeOffsetMs = 0;

  /** The reminders' "now" as the worker sees it (the system clock unless a test moved it). */
  now(): Date {
    return new Date(Date.now() + this.timeOffsetMs);
  }

  /**
   * Moves the reminder time to `at` (it runs on from there), promotes the BullMQ jobs of the
   * reminders now due on it (their delays are in real time) and runs the digest sweep: a test
   * sees tomorrow's reminders, quiet hours and next-morning digests without waiting for them.
   * Only forward: a time already passed leaves the time as it is (it never goes back).
   */
  async advanceTo(at: Date): Promise<void> {
    if (at.getTime() > this.now().getTime()) {
      this.timeOffsetMs = at.getTime() - Date.now();
      this.worker.get(ReminderTime).setNow(at);
    }
    await this.promoteDue();
    await this.worker.get(DigestRunner).sweep();
  }

  /** Whether a test has moved the reminder time. */
  get timeMoved(): boolean {
    return this.timeOffsetMs !== 0;
  }

  /**
   * On a moved reminder time, what the real clock would do: jobs due on it run, digests due on it
   * go. waitForRows calls it on every look, so a job that was busy (not promotable) at the moment
   * of an advanceTo is promoted as soon as it is back in the delayed set.
   */
  async tick(): Promise<void> {
    if (!this.timeMoved) return;
    await this.promoteDue();
    await this.worker.get(DigestRunner).sweep();
  }

  /** Promotes the delayed jobs of reminders whose time (on the reminder time) has come. */
  async promoteDue(): Promise<void> {
    const now = this.now().getTime();
    for (const queue of this.clock.queues) {
      const delayed = await queue.getDelayed();
      await Promise.all(delayed.filter((j) => j.data.scheduledFor <= now).map((j) => j.promote().catch(() => undefined)));
    }
  }

  async restartWorker(): Promise<void> {
    await this.stopWorker();
    await this.startWorker();
  }

  /** Graceful stop of the worker (scheduler subscriber, BullMQ processor, reconciler); the API keeps running. */
  async stopWorker(): Promise<void> {
    this.workerRunning = false;
    await this.worker.close();
  }

  /** Starts the worker again if a test stopped it (and failed before starting it again). */
  async ensureWorker(): Promise<void> {
    if (!this.workerRunning) await this.startWorker();
  }

  /** A new worker with the rig's environment (same QUEUE_PREFIX, so the same queue). */
  async startWorker(): Promise<void> {
    this.worker = await TestWorker.start(this.env);
    this.workerRunning = true;
    if (this.timeOffsetMs !== 0) this.worker.get(ReminderTime).setNow(this.now());
  }

  /** The API's handle on the rig's queue: usable while the worker is down. */
  get clock(): ReminderClock {
    return this.api.app.get(ReminderClock);
  }

  /** Another HTTP receiver, closed with the rig (e.g. one that always fails, for one practice). */
  async extraReceiver(defaultResponse: Parameters<typeof startHttpReceiver>[0]): Promise<HttpReceiver> {
    const receiver = await startHttpReceiver(defaultResponse);
    this.extraReceivers.push(receiver);
    return receiver;
  }

  async close(): Promise<void> {
    if (this.workerRunning) await this.worker.close();
    this.workerRunning = false;
    // the test database is shared by the run's files, and each rig's worker reconciles every SCHEDULED
    // row into its own queue at start (then moves its time ahead): reminders this file leaves waiting
    // would be delivered by a later file's worker, to this file's closed receiver's port
    if (this.practiceIds.size > 0) {
      await this.pool.query(
        "UPDATE reminders SET status = 'CANCELLED', cancel_reason = 'test file ended' WHERE practice_id = ANY($1::text[]) AND status IN ('SCHEDULED', 'HELD')",
        [[...this.practiceIds]],
      ).catch((err: Error) => console.warn(`could not cancel this rig's waiting reminders: ${err.message}`));
    }
    // leave nothing of this rig's queue behind in Redis (jobs of reminders still SCHEDULED)
    await this.clock.queue.obliterate({ force: true }).catch(() => undefined);
    await this.api.close();
    for (const r of this.extraReceivers) await r.close();
    await this.hooks.close();
    await this.smtp.close();
    await this.pool.end();
  }

  /** Webhook deliveries to one practice's endpoint, parsed. */
  deliveries(practiceId: string) {
    return this.hooks.requests
      .filter((r) => r.url === `/hooks/${practiceId}`)
      .map((r) => ({ ...r, json: JSON.parse(r.body) as Record<string, any> }));
  }

  async reminders(engagementId: string) {
    const { rows } = await this.pool.query<{
      id: string;
      kind: string;
      status: string;
      scheduled_for: Date;
      sent_at: Date | null;
      cancel_reason: string | null;
      last_error: string | null;
      homework_id: string;
      draft_id: string | null;
      channel: string | null;
      attempts: number;
      held_until: Date | null;
      note: string | null;
    }>('SELECT * FROM reminders WHERE engagement_id = $1 ORDER BY scheduled_for, kind', [engagementId]);
    return rows;
  }

  /** Webhook deliveries of one reminder (by X-Delivery-Id), across all practices. */
  deliveriesOf(reminderId: string) {
    return this.hooks.requests.filter((r) => r.headers['x-delivery-id'] === reminderId);
  }

  /** ReminderSent events in the log, for one engagement. */
  async reminderSentEvents(engagementId: string): Promise<{ reminderId: string; kind: string }[]> {
    const { rows } = await this.pool.query<{ data: { reminderId: string; kind: string } }>(
      "SELECT data FROM events WHERE stream_id = $1 AND type = 'ReminderSent' ORDER BY version",
      [engagementId],
    );
    return rows.map((r) => r.data);
  }

  /** Waits until no job is waiting or running (the ones due have run; delayed ones may remain). */
  async jobsSettled(what: string): Promise<void> {
    await waitFor(
      what,
      async () => {
        const counts = await this.clock.queue.getJobCounts('wait', 'active');
        return counts.wait === 0 && counts.active === 0;
      },
      { timeoutMs: 30_000 },
    );
  }

  /** The BullMQ job of a reminder at a time, if it is still in the queue (completed ones are removed). */
  async jobState(reminderId: string, at: Date): Promise<string> {
    return this.clock.queue.getJobState(ReminderClock.jobId(reminderId, at));
  }
}

export type ReminderRow = Awaited<ReturnType<ReminderRig['reminders']>>[number];

/** A time `seconds` from now. */
export const inSeconds = (seconds: number): Date => new Date(Date.now() + seconds * 1_000);

/**
 * Waits until the clock has passed `at`: a condition on time, for tests that must show that
 * something did NOT happen by then (never a stand-in for waiting on asynchronous work).
 */
export async function untilPassed(at: Date): Promise<void> {
  await waitFor(`${at.toISOString()} to pass`, () => Date.now() > at.getTime(), {
    timeoutMs: Math.max(0, at.getTime() - Date.now()) + 5_000,
    intervalMs: 25,
  });
}

/** Waits until the engagement's rows satisfy `accept` (given the rows of one homework, or all); returns them. */
export async function waitForRows(
  rig: ReminderRig,
  what: string,
  engagementId: string,
  accept: (rows: ReminderRow[]) => boolean,
  { homeworkId, timeoutMs = 30_000 }: { homeworkId?: string; timeoutMs?: number } = {},
): Promise<ReminderRow[]> {
  return waitFor(
    what,
    async () => {
      await rig.tick();
      const rows = (await rig.reminders(engagementId)).filter((r) => homeworkId === undefined || r.homework_id === homeworkId);
      return accept(rows) ? rows : null;
    },
    { timeoutMs },
  );
}

export interface Story {
  practiceId: string;
  admin: Caller;
  coach: Caller;
  client: Caller;
  engagementId: string;
}

export interface SettingsInput {
  dueSoonOffsetsMinutes?: number[];
  overdueAfterMinutes?: number;
  feedbackWindowMinutes?: number;
  emailReminders?: boolean;
  webhook?: boolean;
  /** where this practice's webhooks go instead of the rig's receiver */
  webhookUrl?: string;
  /** the escalation ladder; a story's practice has none unless a test asks (the default one is days long) */
  escalation?: { afterMinutes: number; notify: 'CLIENT' | 'COACH' | 'ADMIN'; channel?: 'WEBHOOK' | 'EMAIL' | 'BOTH' | null }[];
  escalationEmail?: string | null;
  quietHours?: { start: string; end: string } | null;
  maxRemindersPerDay?: number | null;
  coachDigest?: boolean;
}

/** The engagement's people, beyond the harness's defaults. */
export interface PeopleInput {
  /** the client's IANA time zone */
  clientTimezone?: string;
  /** the coach's IANA time zone */
  coachTimezone?: string;
}

/** A practice with reminder settings and one ACTIVE engagement. */
export async function activeEngagement(rig: ReminderRig, settings: SettingsInput = {}, people: PeopleInput = {}): Promise<Story> {
  const practiceId = uniqueId('rp');
  rig.practiceIds.add(practiceId);
  const admin: Caller = { id: 'admin-1', role: 'ADMIN', practiceId };
  const coach: Caller = { id: 'coach-1', role: 'COACH', practiceId };
  const client: Caller = { id: 'client-1', role: 'CLIENT', practiceId };
  await ok(
    rig.api.gql(
      `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { webhookSecretSet } }`,
      {
        input: {
          webhookUrl: settings.webhook === false ? null : (settings.webhookUrl ?? `${rig.hooks.url}/hooks/${practiceId}`),
          webhookSecret: SECRET,
          emailReminders: settings.emailReminders ?? false,
          dueSoonOffsetsMinutes: settings.dueSoonOffsetsMinutes ?? [0],
          overdueAfterMinutes: settings.overdueAfterMinutes ?? 60,
          feedbackWindowMinutes: settings.feedbackWindowMinutes ?? 60,
          escalation: settings.escalation ?? [],
          escalationEmail: settings.escalationEmail ?? null,
          quietHours: settings.quietHours ?? null,
          maxRemindersPerDay: settings.maxRemindersPerDay ?? null,
          coachDigest: settings.coachDigest ?? false,
        },
      },
      admin,
    ),
  );
  return { practiceId, admin, coach, client, engagementId: await openEngagement(rig, coach, people) };
}

/** Another ACTIVE engagement (same coach and client) in the story's practice. */
export async function anotherEngagement(rig: ReminderRig, s: Story, people: PeopleInput = {}): Promise<Story> {
  return { ...s, engagementId: await openEngagement(rig, s.coach, people) };
}

/** Opens an engagement as `coach` and records its intake: ACTIVE. */
async function openEngagement(rig: ReminderRig, coach: Caller, people: PeopleInput = {}): Promise<string> {
  const opened = await ok<{ openEngagement: { id: string } }>(
    rig.api.gql(
      `mutation ($input: OpenEngagementInput!) { openEngagement(input: $input) { id } }`,
      {
        input: {
          coach: { id: 'coach-1', name: 'Mark Coach', email: 'mark@coach.example', ...(people.coachTimezone ? { timezone: people.coachTimezone } : {}) },
          client: {
            id: 'client-1',
            name: 'Sam Client',
            email: 'sam@client.example',
            ...(people.clientTimezone ? { timezone: people.clientTimezone } : {}),
          },
          title: 'Back to work',
        },
      },
      coach,
    ),
  );
  const engagementId = opened.openEngagement.id;
  await ok(
    rig.api.gql(
      `mutation ($input: RecordIntakeInput!) { recordIntake(input: $input) { status } }`,
      {
        input: {
          engagementId,
          presentingQuestion: 'What am I doing wrong?',
          background: 'Senior IT professional',
          goals: ['More interviews'],
          currentStrategy: 'Job boards',
          baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }],
        },
      },
      coach,
    ),
  );
  return engagementId;
}

export async function assignHomework(rig: ReminderRig, s: Story, title: string, dueAt: Date | null): Promise<string> {
  const r = await ok<{ assignHomework: { id: string } }>(
    rig.api.gql(
      `mutation ($input: AssignHomeworkInput!) { assignHomework(input: $input) { id } }`,
      { input: { engagementId: s.engagementId, title, instructions: 'Write it down.', dueAt: dueAt?.toISOString() ?? null } },
      s.coach,
    ),
  );
  return r.assignHomework.id;
}

export async function submitDraft(rig: ReminderRig, s: Story, homeworkId: string): Promise<string> {
  const r = await ok<{ submitDraft: { id: string } }>(
    rig.api.gql(`mutation ($input: SubmitDraftInput!) { submitDraft(input: $input) { id } }`, { input: { homeworkId, content: 'My hook is…' } }, s.client),
  );
  return r.submitDraft.id;
}

export async function giveFeedback(rig: ReminderRig, s: Story, draftId: string, verdict: 'CHANGES_REQUESTED' | 'ACCEPTED'): Promise<void> {
  await ok(
    rig.api.gql(
      `mutation ($input: GiveFeedbackInput!) { giveFeedback(input: $input) { id } }`,
      { input: { draftId, verdict, comments: 'Shorter, please.' } },
      s.coach,
    ),
  );
}

export async function cancelHomework(rig: ReminderRig, s: Story, homeworkId: string): Promise<void> {
  await ok(
    rig.api.gql(`mutation ($input: CancelHomeworkInput!) { cancelHomework(input: $input) { id } }`, { input: { homeworkId, reason: 'Not needed' } }, s.coach),
  );
}

export async function pauseEngagement(rig: ReminderRig, s: Story): Promise<void> {
  await ok(
    rig.api.gql(
      `mutation ($input: PauseEngagementInput!) { pauseEngagement(input: $input) { status } }`,
      { input: { engagementId: s.engagementId, reason: 'holiday' } },
      s.coach,
    ),
  );
}

export async function resumeEngagement(rig: ReminderRig, s: Story): Promise<void> {
  await ok(
    rig.api.gql(`mutation ($input: ResumeEngagementInput!) { resumeEngagement(input: $input) { status } }`, { input: { engagementId: s.engagementId } }, s.coach),
  );
}

export async function closeEngagement(rig: ReminderRig, s: Story): Promise<void> {
  await ok(
    rig.api.gql(
      `mutation ($input: CloseEngagementInput!) { closeEngagement(input: $input) { status } }`,
      { input: { engagementId: s.engagementId, outcome: 'GOALS_MET' } },
      s.coach,
    ),
  );
}

/** Changes some of the practice's settings (absent fields stay as they are). */
export async function updateSettings(rig: ReminderRig, s: Story, input: Omit<SettingsInput, 'webhook'>): Promise<void> {
  await ok(
    rig.api.gql(
      `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { webhookSecretSet } }`,
      { input },
      s.admin,
    ),
  );
}

export async function ok<T = Record<string, unknown>>(p: Promise<{ data: T | null; errors?: unknown }>): Promise<T> {
  const r = await p;
  if (r.errors) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data!;
}
