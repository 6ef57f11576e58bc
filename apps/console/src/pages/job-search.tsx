import { useState, type FormEvent } from 'react';
import { useQuery } from '../api/use-query';
import { LogJobSearchActivityMutation, MyEngagementsQuery } from '../api/operations';
import { useSignedIn } from '../auth/session';
import { BarChart } from '../components/chart';
import { Empty, ErrorBox, Loading, formatRate, humanise } from '../components/status';
import type { JobSearchChannel } from '../gql/graphql';

const CHANNELS: JobSearchChannel[] = ['NETWORKING', 'REFERRAL', 'RECRUITER', 'JOB_BOARD', 'DIRECT_APPLICATION', 'OTHER'];

function ActivityForm({ engagementId, onDone }: { engagementId: string; onDone: () => void }) {
  const { run } = useSignedIn();
  const [form, setForm] = useState({ channel: 'NETWORKING' as JobSearchChannel, applications: '0', interviews: '0', offers: '0', note: '' });
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone('');
    try {
      await run(LogJobSearchActivityMutation, {
        input: {
          engagementId,
          channel: form.channel,
          applications: Number(form.applications),
          interviews: Number(form.interviews),
          offers: Number(form.offers),
          note: form.note || null,
          idempotencyKey: crypto.randomUUID(),
        },
      });
      setDone('Logged.');
      setForm({ ...form, applications: '0', interviews: '0', offers: '0', note: '' });
      onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  const number = (field: 'applications' | 'interviews' | 'offers', label: string) => (
    <label>
      {label}
      <input type="number" min={0} step={1} required value={form[field]} onChange={(e) => setForm({ ...form, [field]: e.target.value })} />
    </label>
  );
  return (
    <form className="filters" onSubmit={submit} aria-label="Log job-search activity">
      <label>
        Channel
        <select value={form.channel} onChange={(e) => setForm({ ...form, channel: e.target.value as JobSearchChannel })}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {humanise(c)}
            </option>
          ))}
        </select>
      </label>
      {number('applications', 'Applications')}
      {number('interviews', 'Interviews')}
      {number('offers', 'Offers')}
      <label>
        Note
        <input value={form.note} onChange={(e) => setForm({ ...form, note: e.target.value })} />
      </label>
      <button type="submit">Log activity</button>
      <span role="status">{done}</span>
      {error && <ErrorBox error={error} />}
    </form>
  );
}

export function JobSearchPage() {
  const { data, error, refetch } = useQuery(MyEngagementsQuery, {});
  if (error && !data) return <ErrorBox error={error} onReload={refetch} />;
  if (!data) return <Loading what="your job search" />;
  const engagements = data.engagements.edges.map((e) => e.node);
  return (
    <>
      <h1>My job search</h1>
      {engagements.length === 0 && <Empty>You have no engagement yet.</Empty>}
      {engagements.map((e) => (
        <section key={e.id} aria-labelledby={`js-${e.id}`}>
          <h2 id={`js-${e.id}`}>{e.title}</h2>
          <p data-testid="job-search-total">
            {e.jobSearch.applications} applications → {e.jobSearch.interviews} interviews ({formatRate(e.jobSearch.interviewRate)}) → {e.jobSearch.offers}{' '}
            offers
          </p>
          {e.jobSearch.channels.length ? (
            <BarChart
              title="Applications and interviews per channel"
              category="Channel"
              labels={e.jobSearch.channels.map((c) => humanise(c.channel))}
              series={[
                { label: 'Applications', values: e.jobSearch.channels.map((c) => c.applications) },
                { label: 'Interviews', values: e.jobSearch.channels.map((c) => c.interviews) },
              ]}
            />
          ) : (
            <Empty>Nothing logged yet.</Empty>
          )}
          <h3>Log what you did</h3>
          <ActivityForm engagementId={e.id} onDone={() => void refetch()} />
        </section>
      ))}
    </>
  );
}
