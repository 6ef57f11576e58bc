import { type CommandOrigin, EngagementCommandMessage, type With } from '../write/command-executor.js';

/** Records on the engagement that a reminder went out; idempotent by reminder id. No mutation: the reminder worker sends it. */
export class RecordReminderSentCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: With<'RecordReminderSent', 'engagementId'>) {
    const { engagementId, ...data } = input;
    const options = { idempotencyKey: `reminder:${data.reminderId}` };
    super(origin, { engagementId }, { type: 'RecordReminderSent', data }, options, ['recordReminderSent', data.reminderId]);
  }
}
