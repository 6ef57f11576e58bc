import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from '../api/use-query';
import { SendTestDeliveryMutation, SettingsQuery, UpdateSettingsMutation } from '../api/operations';
import { useSignedIn } from '../auth/session';
import { ErrorBox, Loading } from '../components/status';
import type { SendTestDeliveryMutation as TestDelivery, UpdatePracticeSettingsInput } from '../gql/graphql';

/** "24, 2" (hours) → [1440, 120] minutes; null when a value is not a whole number of hours ≥ 0. */
export function parseOffsetsHours(text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  const minutes = parts.map((p) => (/^\d+$/.test(p) ? Number(p) * 60 : NaN));
  return minutes.some(Number.isNaN) ? null : minutes;
}

function TestDelivery() {
  const { run } = useSignedIn();
  const [result, setResult] = useState<TestDelivery['sendTestWebhookDelivery'] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult((await run(SendTestDeliveryMutation, {})).sendTestWebhookDelivery);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="test-delivery">
      <h2 id="test-delivery">Test the webhook</h2>
      <p className="muted">POSTs one signed test body to the saved webhook URL and shows what the receiver answered.</p>
      <button type="button" onClick={() => void send()} disabled={busy}>
        {busy ? 'Sending…' : 'Send a test delivery'}
      </button>
      {error && <ErrorBox error={error} />}
      <div role="status" aria-live="polite" data-testid="test-delivery">
        {result && (
          <dl className="pairs">
            <dt>Outcome</dt>
            <dd>{result.delivered ? 'Delivered' : `Not delivered: ${result.error ?? 'unknown reason'}`}</dd>
            <dt>Receiver status</dt>
            <dd>{result.status ?? 'no answer'}</dd>
            <dt>Receiver body</dt>
            <dd>
              <code>{result.body || '(empty)'}</code>
            </dd>
            <dt>Delivery id</dt>
            <dd>
              <code>{result.deliveryId}</code> · {result.durationMs} ms
            </dd>
          </dl>
        )}
      </div>
    </section>
  );
}

export function SettingsPage() {
  const { run } = useSignedIn();
  const { data, error, refetch } = useQuery(SettingsQuery, {});
  const s = data?.practiceSettings;
  const [form, setForm] = useState({ webhookUrl: '', webhookSecret: '', emailReminders: false, dueSoon: '24', overdueHours: '24', feedbackHours: '48' });
  const [saveError, setSaveError] = useState<Error | null>(null);
  const [saved, setSaved] = useState('');
  useEffect(() => {
    if (!s) return;
    setForm({
      webhookUrl: s.webhookUrl ?? '',
      webhookSecret: '',
      emailReminders: s.emailReminders,
      dueSoon: s.dueSoonOffsetsMinutes.map((m) => String(m / 60)).join(', '),
      overdueHours: String(s.overdueAfterMinutes / 60),
      feedbackHours: String(s.feedbackWindowMinutes / 60),
    });
  }, [s]);

  if (error && !data) return <ErrorBox error={error} onReload={refetch} />;
  if (!s) return <Loading what="the practice settings" />;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved('');
    setSaveError(null);
    const offsets = parseOffsetsHours(form.dueSoon);
    if (!offsets) return setSaveError(new Error('“Due-soon reminders” takes whole hours separated by commas, e.g. 24, 2.'));
    const input: UpdatePracticeSettingsInput = {
      webhookUrl: form.webhookUrl.trim(),
      emailReminders: form.emailReminders,
      dueSoonOffsetsMinutes: offsets,
      overdueAfterMinutes: Math.round(Number(form.overdueHours) * 60),
      feedbackWindowMinutes: Math.round(Number(form.feedbackHours) * 60),
    };
    if (form.webhookSecret) input.webhookSecret = form.webhookSecret;
    try {
      await run(UpdateSettingsMutation, { input });
      setSaved('Settings saved.');
      await refetch();
    } catch (err) {
      setSaveError(err as Error);
    }
  };

  return (
    <>
      <h1>Practice settings</h1>
      <form className="stack narrow" onSubmit={save} aria-label="Reminder settings">
        <fieldset>
          <legend>Reminder timing</legend>
          <label>
            Due-soon reminders (hours before the due time, comma-separated)
            <input value={form.dueSoon} onChange={(e) => setForm({ ...form, dueSoon: e.target.value })} />
          </label>
          <label>
            Overdue reminder (hours after the due time)
            <input type="number" min={0} step="any" value={form.overdueHours} onChange={(e) => setForm({ ...form, overdueHours: e.target.value })} />
          </label>
          <label>
            Coach feedback window (hours)
            <input type="number" min={0} step="any" value={form.feedbackHours} onChange={(e) => setForm({ ...form, feedbackHours: e.target.value })} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={form.emailReminders} onChange={(e) => setForm({ ...form, emailReminders: e.target.checked })} />
            Also send reminders by email
          </label>
        </fieldset>
        <fieldset>
          <legend>Webhook</legend>
          <label>
            Webhook URL
            <input type="url" value={form.webhookUrl} placeholder="https://…" onChange={(e) => setForm({ ...form, webhookUrl: e.target.value })} />
          </label>
          <label>
            Signing secret (write-only: {s.webhookSecretSet ? 'a secret is set; type to replace it' : 'none set'})
            <input type="password" autoComplete="new-password" value={form.webhookSecret} onChange={(e) => setForm({ ...form, webhookSecret: e.target.value })} />
          </label>
        </fieldset>
        {saveError && <ErrorBox error={saveError} />}
        <p role="status">{saved}</p>
        <button type="submit">Save settings</button>
      </form>
      <TestDelivery />
    </>
  );
}
