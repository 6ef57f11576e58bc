// Reminders recorded on the engagement (one, or a batch).
import { decide, fold } from './decider.js';
import { DomainError, Forbidden, NotFound } from './errors.js';
import type { Actor } from './types.js';
import { NOW, COACH, CLIENT, as, cmd, ev, INTAKE, ACTIVE, PAUSED, CLOSED, CLOSED_FROM_INTAKE, HW_ASSIGNED, HW_SUBMITTED, given } from './decider.spec-helper.js';

describe('RecordReminderSent', () => {
  it('records the first channel as `channel` and all of them as `channels`', () => {
    given(HW_ASSIGNED)
      .when(cmd.recordReminder({ channels: ['EMAIL', 'WEBHOOK'], kind: 'HOMEWORK_OVERDUE' }))
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-1',
            kind: 'HOMEWORK_OVERDUE',
            recipient: CLIENT,
            channel: 'EMAIL',
            channels: ['EMAIL', 'WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: null,
          },
        },
      ]);
  });

  it('records a feedback reminder to the coach', () => {
    given(HW_SUBMITTED)
      .when(cmd.recordReminder({ kind: 'FEEDBACK_PENDING', recipient: COACH, draftId: 'draft-1' }))
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-1',
            kind: 'FEEDBACK_PENDING',
            recipient: COACH,
            channel: 'WEBHOOK',
            channels: ['WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: 'draft-1',
          },
        },
      ]);
  });

  it.each([
    ['INTAKE', INTAKE],
    ['PAUSED', PAUSED],
    ['CLOSED', CLOSED],
    ['CLOSED from INTAKE', CLOSED_FROM_INTAKE],
  ])('records a reminder that went out (%s)', (_status, history) => {
    expect(decide(cmd.recordReminder(), fold(history)).map((e) => e.type)).toEqual(['ReminderSent']);
  });

  it('records the same reminder only once (idempotent)', () => {
    given([...ACTIVE, ev.reminder('reminder-1')]).when(cmd.recordReminder()).then([]);
    given([...CLOSED, ev.reminder('reminder-1')]).when(cmd.recordReminder()).then([]);
    given([...ACTIVE, ev.reminder('reminder-1')])
      .when(cmd.recordReminder({ reminderId: 'reminder-2' }))
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-2',
            kind: 'HOMEWORK_DUE_SOON',
            recipient: CLIENT,
            channel: 'WEBHOOK',
            channels: ['WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: null,
          },
        },
      ]);
  });

  it('treats empty channels as a programming error, not a domain refusal', () => {
    const error = given(ACTIVE).when(cmd.recordReminder({ channels: [] })).thenThrows(Error);
    expect(error).not.toBeInstanceOf(DomainError);
  });
});

describe('RecordRemindersSent (a batch for one engagement)', () => {
  const reminder = (reminderId: string) => ({
    reminderId,
    kind: 'HOMEWORK_DUE_SOON' as const,
    recipient: CLIENT,
    channels: ['WEBHOOK' as const],
    homeworkId: 'hw-1',
    draftId: null,
  });
  const batch = (ids: string[], actor: Actor = as.system) =>
    ({ type: 'RecordRemindersSent', data: { reminders: ids.map(reminder) }, context: { actor, now: NOW } }) as const;

  it('records each reminder not recorded yet, once, in order', () => {
    const events = decide(batch(['r-2', 'r-1', 'r-3', 'r-2']), fold([...ACTIVE, ev.reminder('r-1')]));
    expect(events.map((e) => (e.data as { reminderId: string }).reminderId)).toEqual(['r-2', 'r-3']);
    expect(events.every((e) => e.type === 'ReminderSent')).toBe(true);
  });

  it('records on a CLOSED engagement too (the sends happened)', () => {
    expect(decide(batch(['r-1']), fold(CLOSED))).toHaveLength(1);
  });

  it('is for the reminder system only', () => {
    expect(() => decide(batch(['r-1'], as.coach), fold(ACTIVE))).toThrow(Forbidden);
  });

  it('needs an engagement', () => {
    expect(() => decide(batch(['r-1']), fold([]))).toThrow(NotFound);
  });
});
