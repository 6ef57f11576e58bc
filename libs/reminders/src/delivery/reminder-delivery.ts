import type { DeliveryResult } from '../reminder-firing.js';
import type { ReminderRow } from '../reminder-recording.js';
import type { ReminderSubject } from '../reminder-state.js';
import type { EmailSender } from './email-sender.js';
import { renderReminderEmail } from './email-templates.js';
import { reminderMessage } from './reminder-message.js';
import type { WebhookSender } from './webhook-sender.js';

/** Where a batch's reminders go: the practice's webhook (its secret opened once per batch) and SMTP. */
export interface DeliveryChannels {
  webhook: WebhookSender;
  email: EmailSender | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
}

/**
 * One reminder on the channels asked for, both at once. The webhook sends the
 * row's stored body (the same bytes on every attempt); an error is reported,
 * never thrown.
 */
export async function deliverReminder(
  to: DeliveryChannels,
  row: ReminderRow,
  subject: ReminderSubject,
  channels: { webhook: boolean; email: boolean },
): Promise<DeliveryResult> {
  const errors: string[] = [];
  const [webhookOk, emailOk] = await Promise.all([
    channels.webhook
      ? to.webhook.send({ url: to.webhookUrl!, secret: to.webhookSecret, deliveryId: row.id, body: row.webhook_body! }).then((a) => {
          if (!a.ok) errors.push(`webhook: ${a.error}`);
          return a.ok;
        })
      : false,
    channels.email
      ? to
          .email!.send({
            ...renderReminderEmail(reminderMessage(row, subject), {}),
            to: { name: row.recipient_name, email: row.recipient_email! },
            reminderId: row.id,
          })
          .then(
            () => true,
            (err: Error) => {
              errors.push(`email: ${err.message}`);
              return false;
            },
          )
      : false,
  ]);
  return { webhookOk, emailOk, errors };
}
