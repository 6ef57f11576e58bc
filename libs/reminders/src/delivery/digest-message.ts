import type { DigestKind } from '#engagement';
import { escapeHtml, formatInstant, type RenderedEmail } from './email-templates.js';
import type { ReminderMessage } from './reminder-message.js';

/** One digest: everything its webhook body and email say, resolved before any channel runs. */
export interface DigestMessage {
  /** uuid; also the delivery id receivers de-duplicate on */
  digestId: string;
  kind: DigestKind;
  practiceId: string;
  recipient: { id: string; name: string; email: string | null; role: 'CLIENT' | 'COACH' | 'ADMIN' };
  /** the recipient's zone, for the email's times */
  zone: string;
  /** HELD_REMINDERS: the reminders it carries, oldest first */
  reminders: ReminderMessage[];
  /** DRAFTS_AWAITING_FEEDBACK: the drafts waiting, longest wait first */
  drafts: {
    engagement: { id: string; title: string };
    client: { id: string; name: string };
    homework: { id: string; title: string };
    draft: { id: string; revision: number; submittedAt: string };
  }[];
}

/**
 * The exact bytes POSTed to the practice's webhook for a digest, signed like every reminder
 * (X-Signature and the Standard Webhooks headers, delivery id = the digest's id). Stored before
 * the first attempt: a retry sends the same bytes. Key order is part of the contract.
 */
export function buildDigestWebhookBody(m: DigestMessage, sentAt: Date): string {
  return JSON.stringify({
    type: 'digest',
    id: m.digestId,
    kind: m.kind,
    practiceId: m.practiceId,
    sentAt: sentAt.toISOString(),
    recipient: { id: m.recipient.id, name: m.recipient.name, email: m.recipient.email, role: m.recipient.role },
    reminders: m.reminders.map((r) => ({
      id: r.reminderId,
      kind: r.kind,
      scheduledFor: r.scheduledFor,
      engagement: { id: r.engagement.id, title: r.engagement.title },
      homework: r.homework && { id: r.homework.id, title: r.homework.title, dueAt: r.homework.dueAt },
      draft: r.draft && { id: r.draft.id, revision: r.draft.revision, submittedAt: r.draft.submittedAt },
      ...(r.escalation && { escalation: { step: r.escalation.step, target: r.escalation.target, summary: r.escalation.clientProgress.summary } }),
    })),
    drafts: m.drafts.map((d) => ({
      engagement: { id: d.engagement.id, title: d.engagement.title },
      client: { id: d.client.id, name: d.client.name },
      homework: { id: d.homework.id, title: d.homework.title },
      draft: { id: d.draft.id, revision: d.draft.revision, submittedAt: d.draft.submittedAt },
    })),
  });
}

const KIND_LINE: Record<string, string> = {
  HOMEWORK_DUE_SOON: 'is due soon',
  HOMEWORK_OVERDUE: 'is overdue',
  HOMEWORK_ESCALATED: 'is still not done',
  FEEDBACK_PENDING: 'has a draft waiting for your feedback',
};

/** A digest as one plain-text and HTML email: every line written once, escaped into the HTML. */
export function renderDigestEmail(m: DigestMessage): RenderedEmail {
  const when = (iso: string) => formatInstant(iso, m.zone);
  let subject: string;
  let intro: string;
  let lines: string[];
  if (m.kind === 'HELD_REMINDERS') {
    const n = m.reminders.length;
    subject = `${n} reminder${n === 1 ? '' : 's'} from yesterday`;
    intro = `Hello ${m.recipient.name}, so as not to write to you too often, yesterday's further reminders were kept for this one message:`;
    lines = m.reminders.map((r) => {
      const what = r.homework ? `“${r.homework.title}” (${r.engagement.title})` : r.engagement.title;
      const due = r.homework?.dueAt ? `, due ${when(r.homework.dueAt)}` : '';
      const extra = r.escalation ? ` ${r.escalation.clientProgress.summary}` : '';
      return `${what} ${KIND_LINE[r.kind] ?? 'needs attention'}${due}.${extra}`;
    });
  } else {
    const n = m.drafts.length;
    subject = `${n} draft${n === 1 ? '' : 's'} waiting for your feedback`;
    intro = `Good morning ${m.recipient.name}, these drafts are waiting for your feedback, longest wait first:`;
    lines = m.drafts.map((d) => `${d.client.name}: “${d.homework.title}”, draft ${d.draft.revision}, submitted ${when(d.draft.submittedAt)} (${d.engagement.title}).`);
  }
  const text = [intro, '', ...lines.map((l) => `- ${l}`), ''].join('\n');
  const html = `<p>${escapeHtml(intro)}</p><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
  return { subject, text, html };
}
