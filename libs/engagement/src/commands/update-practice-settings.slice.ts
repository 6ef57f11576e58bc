import { Args, Context, Int, Mutation, Resolver } from '@nestjs/graphql';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { z } from 'zod';
import { PostgresEventStore } from '#event-store';
import { Database, type RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { EMAIL, isHttpUrl, reminderMinutes, validate } from '../graphql/input-validation.js';
import { originOf, requireRole } from '../graphql/request.js';
import { EscalationChannel, EscalationTarget } from '../graphql/types/enums.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { PracticeSettings } from '../graphql/types/settings.types.js';
import { PracticeSettingsRepository, practiceStream, type PracticeSettingsModel, type SettingsChange } from '../practice/practice-settings.js';
import type { CommandOrigin } from '../write/command-executor.js';

// The practice's settings: not an engagement command (no engagement stream,
// no decider), so its own command and handler, in the same slice shape.

export const EscalationStepInput = inputType('EscalationStepInput', {
  afterMinutes: field(() => Int, reminderMinutes(), { description: 'minutes after the homework went overdue (its HOMEWORK_OVERDUE time)' }),
  notify: field(() => EscalationTarget, z.enum(['CLIENT', 'COACH', 'ADMIN'])),
  channel: field(() => EscalationChannel, z.enum(['WEBHOOK', 'EMAIL', 'BOTH']).nullish(), {
    description: "absent: every channel the practice's settings allow",
  }),
});

const wallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (00:00 to 23:59)');

export const QuietHoursInput = inputType('QuietHoursInput', {
  start: field(() => String, wallTime, { description: '"HH:MM", when the window opens (the recipient\'s local time)' }),
  end: field(() => String, wallTime, { description: '"HH:MM", when it closes; earlier than start: the window spans midnight' }),
});

export const UpdatePracticeSettingsInput = inputType('UpdatePracticeSettingsInput', {
  webhookUrl: field(
    () => String,
    z
      .string()
      .max(2_000, 'must be at most 2000 characters')
      .refine((s) => s === '' || isHttpUrl(s), 'must be an http(s) URL')
      .nullish(),
  ),
  webhookSecret: field(
    () => String,
    z
      .string()
      .max(256, 'must be at most 256 characters')
      .refine((s) => s === '' || (s.length >= 16 && /^[\x21-\x7e]+$/.test(s)), 'must be 16 to 256 printable characters')
      .nullish(),
  ),
  emailReminders: field(() => Boolean, z.boolean().nullish()),
  dueSoonOffsetsMinutes: field(
    () => [Int],
    z
      .array(reminderMinutes())
      .max(LIMITS.dueSoonOffsets, `at most ${LIMITS.dueSoonOffsets} offsets`)
      .refine((a) => new Set(a).size === a.length, 'must not repeat an offset')
      .nullish(),
  ),
  overdueAfterMinutes: field(() => Int, reminderMinutes().nullish()),
  feedbackWindowMinutes: field(() => Int, reminderMinutes().nullish()),
  escalation: field(
    () => [EscalationStepInput],
    z
      .array(EscalationStepInput.schema)
      .max(LIMITS.escalationSteps, `at most ${LIMITS.escalationSteps} steps`)
      .refine((steps) => steps.every((s, i) => i === 0 || s.afterMinutes >= steps[i - 1]!.afterMinutes), 'steps must be in order of afterMinutes')
      .nullish(),
    { description: 'replaces the whole ladder; [] turns escalation off' },
  ),
  escalationEmail: field(
    () => String,
    z.string().max(LIMITS.email).refine((s) => s === '' || EMAIL.test(s), 'must be an email address').nullish(),
    { description: "where ADMIN steps are emailed; '' clears it (ADMIN steps then go by webhook only)" },
  ),
  quietHours: field(
    () => QuietHoursInput,
    QuietHoursInput.schema.refine((q) => q.start !== q.end, 'start and end must differ').nullable().optional(),
    { description: 'null: no quiet hours' },
  ),
  maxRemindersPerDay: field(
    () => Int,
    z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1 (null: no budget)')
      .max(LIMITS.maxRemindersPerDay, `must be at most ${LIMITS.maxRemindersPerDay}`)
      .nullable()
      .optional(),
    { description: "reminders per recipient per day before the rest wait for the next morning's digest; null: no budget" },
  ),
  coachDigest: field(() => Boolean, z.boolean().nullish(), { description: 'a morning digest to each coach of the drafts waiting for feedback' }),
});

export class UpdatePracticeSettingsCommand extends Command<PracticeSettingsModel> {
  constructor(
    readonly origin: CommandOrigin,
    readonly change: SettingsChange,
  ) {
    super();
  }
}

/**
 * Stores the new settings and appends PracticeSettingsUpdated to the
 * practice's stream in the same transaction, so the reminder scheduler (a
 * reader of the log) reschedules. The secret never enters the log: the event
 * only says whether one is set.
 */
@CommandHandler(UpdatePracticeSettingsCommand)
export class UpdatePracticeSettingsHandler implements ICommandHandler<UpdatePracticeSettingsCommand> {
  constructor(
    private readonly db: Database,
    private readonly store: PostgresEventStore,
    private readonly settings: PracticeSettingsRepository,
  ) {}

  execute({ origin, change }: UpdatePracticeSettingsCommand): Promise<PracticeSettingsModel> {
    const practiceId = origin.practiceId;
    return this.db.transaction(practiceId, async (tx) => {
      // serialise concurrent updates of one practice's settings
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [practiceStream(practiceId)]);
      const current = await this.settings.read(tx, practiceId);
      const sealedSecret =
        change.webhookSecret === undefined
          ? current.sealedSecret
          : change.webhookSecret === null || change.webhookSecret === ''
            ? null
            : this.settings.secrets.encrypt(change.webhookSecret);
      const next: PracticeSettingsModel = {
        webhookUrl: change.webhookUrl === undefined ? current.webhookUrl : change.webhookUrl || null,
        webhookSecretSet: sealedSecret !== null,
        emailReminders: change.emailReminders ?? current.emailReminders,
        dueSoonOffsetsMinutes: [...(change.dueSoonOffsetsMinutes ?? current.dueSoonOffsetsMinutes)].sort((a, b) => b - a),
        overdueAfterMinutes: change.overdueAfterMinutes ?? current.overdueAfterMinutes,
        feedbackWindowMinutes: change.feedbackWindowMinutes ?? current.feedbackWindowMinutes,
        escalation: (change.escalation ?? current.escalation).map((s) => ({ afterMinutes: s.afterMinutes, notify: s.notify, channel: s.channel ?? null })),
        escalationEmail: change.escalationEmail === undefined ? current.escalationEmail : change.escalationEmail || null,
        quietHours: change.quietHours === undefined ? current.quietHours : change.quietHours && { start: change.quietHours.start, end: change.quietHours.end },
        maxRemindersPerDay: change.maxRemindersPerDay === undefined ? current.maxRemindersPerDay : change.maxRemindersPerDay,
        coachDigest: change.coachDigest ?? current.coachDigest,
      };
      await tx.query(
        `INSERT INTO practice_settings (practice_id, webhook_url, webhook_secret, email_reminders, due_soon_offsets_minutes,
           overdue_after_minutes, feedback_window_minutes, updated_at, updated_by, escalation, escalation_email, quiet_hours,
           max_reminders_per_day, coach_digest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, $10, $11, $12, $13)
         ON CONFLICT (practice_id) DO UPDATE SET
           webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret,
           email_reminders = EXCLUDED.email_reminders, due_soon_offsets_minutes = EXCLUDED.due_soon_offsets_minutes,
           overdue_after_minutes = EXCLUDED.overdue_after_minutes, feedback_window_minutes = EXCLUDED.feedback_window_minutes,
           updated_at = now(), updated_by = EXCLUDED.updated_by,
           escalation = EXCLUDED.escalation, escalation_email = EXCLUDED.escalation_email, quiet_hours = EXCLUDED.quiet_hours,
           max_reminders_per_day = EXCLUDED.max_reminders_per_day, coach_digest = EXCLUDED.coach_digest`,
        [
          practiceId,
          next.webhookUrl,
          sealedSecret,
          next.emailReminders,
          next.dueSoonOffsetsMinutes,
          next.overdueAfterMinutes,
          next.feedbackWindowMinutes,
          origin.actor.id,
          JSON.stringify(next.escalation),
          next.escalationEmail,
          next.quietHours && JSON.stringify(next.quietHours),
          next.maxRemindersPerDay,
          next.coachDigest,
        ],
      );
      await this.store.append(
        practiceStream(practiceId),
        [
          {
            type: 'PracticeSettingsUpdated',
            data: next,
            metadata: {
              actorId: origin.actor.id,
              actorRole: origin.actor.role,
              practiceId,
              correlationId: origin.correlationId,
              causationId: origin.causationId,
              occurredAt: origin.now.toISOString(),
            },
          },
        ],
        { expectedVersion: 'any', tx },
      );
      return next;
    });
  }
}

@Resolver()
export class UpdatePracticeSettingsResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => PracticeSettings, { description: 'ADMIN only' })
  async updatePracticeSettings(
    @Args('input', { type: () => UpdatePracticeSettingsInput }) raw: unknown,
    @Context() ctx: RequestContext,
  ): Promise<PracticeSettingsModel> {
    requireRole(ctx, ['ADMIN'], 'updatePracticeSettings');
    const change = validate(UpdatePracticeSettingsInput.schema, raw, 'input');
    await ctx.release();
    return this.bus.execute(new UpdatePracticeSettingsCommand(originOf(ctx), change));
  }
}
