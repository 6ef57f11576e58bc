import { useMemo } from 'react';
import { useQuery } from '../api/use-query';
import { OverviewQuery } from '../api/operations';
import { BarChart } from '../components/chart';
import { Empty, ErrorBox, Loading, formatRate, humanise } from '../components/status';
import type { OverviewQuery as OverviewData } from '../gql/graphql';

type Dashboard = OverviewData['practiceDashboard'];

/** Days × event types, the newest day last (charts read left to right). */
export function activityByDay(activity: Dashboard['activity']): { days: string[]; series: { label: string; values: number[] }[] } {
  const days = [...new Set(activity.map((a) => a.day))].sort();
  const types = [...new Set(activity.map((a) => a.eventType))].sort();
  const series = types.map((type) => ({
    label: type,
    values: days.map((day) => activity.find((a) => a.day === day && a.eventType === type)?.events ?? 0),
  }));
  return { days, series };
}

type Channel = { channel: string; applications: number; interviews: number; interviewRate?: number | null };

/** Interview rate per channel now and at intake, in %: did the search move toward the channels that work? */
export function funnelAgainstBaseline(now: readonly Channel[], baseline: readonly Channel[]): { label: string; values: number[] }[] {
  const rate = (c: Channel | undefined) => (c && c.applications > 0 ? Math.round((1000 * c.interviews) / c.applications) / 10 : 0);
  return [
    { label: 'Interview rate at intake (%)', values: now.map((c) => rate(baseline.find((b) => b.channel === c.channel))) },
    { label: 'Interview rate now (%)', values: now.map((c) => rate(c)) },
  ];
}

/** Oldest day first, one series per outcome. */
export function reminderOutcomesByDay(rows: readonly { day: string; sent: number; failed: number; cancelled: number }[]) {
  const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day));
  return {
    days: sorted.map((r) => r.day),
    series: [
      { label: 'Sent', values: sorted.map((r) => r.sent) },
      { label: 'Failed', values: sorted.map((r) => r.failed) },
      { label: 'Cancelled', values: sorted.map((r) => r.cancelled) },
    ],
  };
}

function Figure({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd>
        {value}
        {hint && <span className="hint"> {hint}</span>}
      </dd>
    </div>
  );
}

const hours = (h: number | null | undefined) => (h === null || h === undefined ? '—' : `${h.toFixed(1)} h`);

export function OverviewPage() {
  const { data, error, loading, refetch } = useQuery(OverviewQuery, { days: 30 });
  const d = data?.practiceDashboard;
  const activity = useMemo(() => (d ? activityByDay(d.activity) : null), [d]);
  const coachLabels = useMemo(() => d?.coaches.map((c) => c.coach.name) ?? [], [d]);
  const coachSeries = useMemo(
    () =>
      d
        ? [
            { label: 'Active engagements', values: d.coaches.map((c) => c.activeEngagements) },
            { label: 'Awaiting feedback', values: d.coaches.map((c) => c.awaitingFeedback) },
            { label: 'Overdue homework', values: d.coaches.map((c) => c.overdueHomework) },
          ]
        : [],
    [d],
  );
  const channels = d?.jobSearch.channels ?? [];
  const baseline = d?.intakeBaseline.channels ?? [];
  const channelLabels = useMemo(() => channels.map((c) => humanise(c.channel)), [channels]);
  const channelSeries = useMemo(() => funnelAgainstBaseline(channels, baseline), [channels, baseline]);
  const outcomes = useMemo(() => reminderOutcomesByDay(d?.reminderOutcomes ?? []), [d]);

  if (error && !d) return <ErrorBox error={error} onReload={refetch} />;
  if (!d) return <Loading what="the practice overview" />;
  const active = d.engagementsByStatus.find((s) => s.status === 'ACTIVE')?.count ?? 0;
  return (
    <>
      <h1>Practice overview</h1>
      {loading && <Loading what="the latest figures" />}
      <dl className="figures" data-testid="overview-figures">
        <Figure label="Active engagements" value={active} />
        <Figure label="Overdue homework" value={d.overdueHomework} />
        <Figure label="Drafts awaiting feedback" value={d.awaitingFeedback} />
        <Figure label="Feedback turnaround p50" value={hours(d.feedbackTurnaroundHoursP50)} />
        <Figure label="Feedback turnaround p90" value={hours(d.feedbackTurnaroundHoursP90)} />
        <Figure label="Reminders sent" value={d.remindersSent} />
      </dl>
      <section aria-labelledby="coach-load">
        <h2 id="coach-load">Coach load</h2>
        {d.coaches.length ? (
          <BarChart title="Coach load" category="Coach" labels={coachLabels} series={coachSeries} horizontal />
        ) : (
          <Empty>No coach has an engagement yet.</Empty>
        )}
      </section>
      <section aria-labelledby="reminders">
        <h2 id="reminders">Reminder outcomes per day (last 30 days)</h2>
        {outcomes.days.length ? (
          <BarChart title="Reminders sent, failed and cancelled per day" category="Day (UTC)" labels={outcomes.days} series={outcomes.series} stacked />
        ) : (
          <Empty>No reminder was sent, failed or cancelled in the last 30 days.</Empty>
        )}
      </section>
      <section aria-labelledby="activity">
        <h2 id="activity">Activity by day (last 30 days)</h2>
        {activity && activity.days.length ? (
          <BarChart title="Events per day" category="Day (UTC)" labels={activity.days} series={activity.series} stacked />
        ) : (
          <Empty>No activity in the last 30 days.</Empty>
        )}
      </section>
      <section aria-labelledby="funnel">
        <h2 id="funnel">Job-search funnel per channel</h2>
        <p>
          At intake, all clients together: {d.intakeBaseline.applications} applications, {d.intakeBaseline.interviews} interviews (
          {formatRate(d.intakeBaseline.interviewRate)}). Now, with everything logged since: {d.jobSearch.applications} applications,{' '}
          {d.jobSearch.interviews} interviews ({formatRate(d.jobSearch.interviewRate)}).
        </p>
        {channels.length ? (
          <>
            <BarChart
              title="Interview rate per channel: at intake and now"
              category="Channel"
              labels={channelLabels}
              series={channelSeries}
              format={(v) => `${v.toFixed(1)} %`}
            />
            <table>
              <caption>Interview rate per channel</caption>
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Applications at intake</th>
                  <th scope="col">Interviews at intake</th>
                  <th scope="col">Applications now</th>
                  <th scope="col">Interviews now</th>
                  <th scope="col">Interview rate now</th>
                </tr>
              </thead>
              <tbody>
                {channels.map((c) => {
                  const b = baseline.find((x) => x.channel === c.channel);
                  return (
                    <tr key={c.channel}>
                      <th scope="row">{humanise(c.channel)}</th>
                      <td>{b?.applications ?? 0}</td>
                      <td>{b?.interviews ?? 0}</td>
                      <td>{c.applications}</td>
                      <td>{c.interviews}</td>
                      <td>{formatRate(c.interviewRate)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        ) : (
          <Empty>No job-search figures yet.</Empty>
        )}
      </section>
      <section aria-labelledby="by-status">
        <h2 id="by-status">Engagements by status</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Engagements</th>
            </tr>
          </thead>
          <tbody>
            {d.engagementsByStatus.map((s) => (
              <tr key={s.status}>
                <th scope="row">{humanise(s.status)}</th>
                <td>{s.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
