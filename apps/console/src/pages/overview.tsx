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
  const channelLabels = useMemo(() => channels.map((c) => humanise(c.channel)), [channels]);
  const channelSeries = useMemo(
    () => [
      { label: 'Applications', values: channels.map((c) => c.applications) },
      { label: 'Interviews', values: channels.map((c) => c.interviews) },
    ],
    [channels],
  );

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
          All clients together, intake baseline included: {d.jobSearch.applications} applications, {d.jobSearch.interviews} interviews (
          {formatRate(d.jobSearch.interviewRate)}).
        </p>
        {channels.length ? (
          <>
            <BarChart title="Applications and interviews per channel" category="Channel" labels={channelLabels} series={channelSeries} />
            <table>
              <caption>Interview rate per channel</caption>
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Applications</th>
                  <th scope="col">Interviews</th>
                  <th scope="col">Interview rate</th>
                </tr>
              </thead>
              <tbody>
                {channels.map((c) => (
                  <tr key={c.channel}>
                    <th scope="row">{humanise(c.channel)}</th>
                    <td>{c.applications}</td>
                    <td>{c.interviews}</td>
                    <td>{formatRate(c.interviewRate)}</td>
                  </tr>
                ))}
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
