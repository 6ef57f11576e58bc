import { escapeHtml, formatInstant, renderReminderEmail } from './email-templates.js';
import type { ReminderMessage } from './reminder-message.js';

const coach = { id: 'coach-1', name: 'Cora Coach', email: 'cora@example.com' };
const client = { id: 'client-1', name: 'Cliff Client', email: 'cliff@example.com' };
const base: ReminderMessage = {
  reminderId: '7d444840-9dc0-41d2-b5f5-2f2b0b8e2c11',
  kind: 'HOMEWORK_DUE_SOON',
  practiceId: 'practice-1',
  scheduledFor: '2026-11-30T17:00:00.000Z',
  recipient: { ...client, role: 'CLIENT' },
  engagement: { id: 'engagement-1', title: 'Career change 2026', coach, client },
  homework: { id: 'homework-1', title: 'Rewrite your CV', dueAt: '2026-12-01T17:00:00.000Z' },
  draft: null,
};
const feedback: ReminderMessage = {
  ...base,
  kind: 'FEEDBACK_PENDING',
  recipient: { ...coach, role: 'COACH' },
  draft: { id: 'draft-1', revision: 3, submittedAt: '2026-11-28T09:15:00.000Z' },
};
const DUE = 'Tue, 1 Dec 2026, 17:00 UTC';

describe('formatInstant', () => {
  it('formats readably in UTC by default', () => {
    expect(formatInstant('2026-12-01T17:00:00.000Z')).toBe(DUE);
  });

  it('formats in the practice time zone', () => {
    expect(formatInstant('2026-12-01T17:00:00.000Z', 'Europe/Berlin')).toBe('Tue, 1 Dec 2026, 18:00 CET');
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(formatInstant('2026-12-01T17:00:00.000Z', 'Mars/Olympus_Mons')).toBe(DUE);
  });
});

describe('renderReminderEmail', () => {
  it.each([
    ['HOMEWORK_DUE_SOON', base, /is due on Tue, 1 Dec 2026, 17:00 UTC/],
    ['HOMEWORK_OVERDUE', { ...base, kind: 'HOMEWORK_OVERDUE' } as ReminderMessage, /was due on .* and hasn't been accepted yet/],
    [
      'FEEDBACK_PENDING',
      feedback,
      /Cliff Client submitted draft 3 of “Rewrite your CV” on Sat, 28 Nov 2026, 09:15 UTC; it is waiting for your feedback/,
    ],
  ])('%s names the homework, its due time and the engagement in text and HTML', (_kind, message, wording) => {
    const email = renderReminderEmail(message, {});
    for (const body of [email.text, email.html]) {
      expect(body).toContain('Rewrite your CV');
      expect(body).toContain(DUE);
      expect(body).toContain('Career change 2026');
      expect(body).toContain(`Hi ${message.recipient.name},`);
    }
    expect(email.text).toMatch(wording);
    expect(email.subject).toContain('Rewrite your CV');
    expect(email.html).not.toMatch(/<img|https?:\/\//i);
  });

  it('uses the practice time zone for every date', () => {
    const email = renderReminderEmail(feedback, { timeZone: 'America/New_York' });
    expect(email.text).toContain('Tue, 1 Dec 2026, 12:00 GMT-5');
    expect(email.text).toContain('Sat, 28 Nov 2026, 04:15 GMT-5');
  });

  it('escapes every interpolated value in the HTML but not in the text', () => {
    const hostile: ReminderMessage = {
      ...feedback,
      recipient: { ...feedback.recipient, name: 'Cora <b>' },
      engagement: { ...feedback.engagement, title: 'A & "B"', client: { ...client, name: "O'Brien <i>" } },
      homework: { id: 'homework-1', title: '<script>alert(1)</script>', dueAt: null },
    };
    const email = renderReminderEmail(hostile, {});
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('A &amp; &quot;B&quot;');
    expect(email.html).toContain('O&#39;Brien &lt;i&gt;');
    expect(email.html).toContain('Cora &lt;b&gt;');
    expect(email.html).not.toMatch(/<script|<i>|<b>/);
    expect(email.text).toContain('<script>alert(1)</script>');
  });

  it('keeps a line break in a title out of the subject', () => {
    const email = renderReminderEmail({ ...base, homework: { ...base.homework!, title: 'CV\r\nBcc: x@example.com' } }, {});
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('still reads well without a due time', () => {
    const email = renderReminderEmail({ ...base, homework: { ...base.homework!, dueAt: null } }, {});
    expect(email.text).toContain('is due soon');
  });
});

describe('escapeHtml', () => {
  it('escapes the five significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
