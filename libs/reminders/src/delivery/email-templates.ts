import type { ReminderMessage } from './reminder-message.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderOptions {
  /** IANA zone the practice works in; 'UTC' when unset or unknown */
  timeZone?: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * "Tue, 1 Dec 2026, 17:00 UTC". Assembled from parts so the layout does not shift with the
 * ICU version; an unknown zone falls back to UTC, which the label then says honestly.
 */
export function formatInstant(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = formatter(timeZone).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')}, ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
  }
}

/**
 * A reminder as a short plain-text and HTML email. Text pieces are written once, as data,
 * and escaped on the way into HTML, so no interpolated value can reach the markup raw.
 */
export function renderReminderEmail(message: ReminderMessage, options: RenderOptions = {}): RenderedEmail {
  const when = (iso: string) => formatInstant(iso, options.timeZone);
  const homework = message.homework?.title ?? 'your homework';
  const quoted = message.homework ? `“${homework}”` : homework;
  const due = message.homework?.dueAt ? when(message.homework.dueAt) : null;
  const engagement = message.engagement.title;

  let subject: string;
  let lines: string[];
  switch (message.kind) {
    case 'HOMEWORK_DUE_SOON':
      subject = `Reminder: ${quoted} is due ${due ? `on ${due}` : 'soon'}`;
      lines = [
        `This is a friendly reminder that your homework ${quoted} for ${engagement} is due ${due ? `on ${due}` : 'soon'}.`,
        `If you have already submitted it, please ignore this message.`,
      ];
      break;
    case 'HOMEWORK_OVERDUE':
      subject = `Overdue: ${quoted}`;
      lines = [
        `Your homework ${quoted} for ${engagement} was due ${due ? `on ${due}` : 'earlier'} and hasn't been accepted yet.`,
        `If you need more time or are stuck, let ${message.engagement.coach.name} know.`,
      ];
      break;
    case 'FEEDBACK_PENDING': {
      const client = message.engagement.client.name;
      const draft = message.draft
        ? `draft ${message.draft.revision} of ${quoted} on ${when(message.draft.submittedAt)}`
        : `a draft of ${quoted}`;
      subject = `Feedback waiting: ${client}'s ${quoted}`;
      lines = [
        `${client} submitted ${draft}; it is waiting for your feedback.`,
        `Engagement: ${engagement}.${due ? ` The homework is due on ${due}.` : ''}`,
      ];
      break;
    }
    case 'HOMEWORK_ESCALATED': {
      const step = message.escalation?.step ?? 0;
      if (message.recipient.role === 'CLIENT') {
        subject = `Still overdue: ${quoted}`;
        lines = [
          `Your homework ${quoted} for ${engagement} was due ${due ? `on ${due}` : 'earlier'} and is still open.`,
          `If you need more time or are stuck, let ${message.engagement.coach.name} know.`,
        ];
      } else {
        const client = message.engagement.client.name;
        subject = `Escalation ${step}: ${client}'s ${quoted} is overdue`;
        lines = [
          message.escalation?.clientProgress.summary ?? `${client} has not completed ${quoted}.`,
          `Engagement: ${engagement} (coach: ${message.engagement.coach.name}).${due ? ` The homework was due on ${due}.` : ''}`,
        ];
      }
      break;
    }
  }

  const greeting = `Hi ${message.recipient.name},`;
  const footer = `This is an automated reminder about ${engagement}.`;
  const paragraphs = [greeting, ...lines, footer];
  return {
    // a title with a line break must not spill into further headers or lines
    subject: subject.replace(/[\r\n]+/g, ' '),
    text: `${paragraphs.join('\n\n')}\n`,
    html: [
      '<!doctype html>',
      '<html><head><meta charset="utf-8"></head>',
      '<body style="font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#222">',
      ...paragraphs.map((p, i) =>
        i === paragraphs.length - 1
          ? `<p style="color:#777;font-size:13px">${escapeHtml(p)}</p>`
          : `<p>${escapeHtml(p)}</p>`,
      ),
      '</body></html>',
      '',
    ].join('\n'),
  };
}
