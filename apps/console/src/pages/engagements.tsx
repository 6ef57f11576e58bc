import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useQuery } from '../api/use-query';
import { CoachesQuery, EngagementsQuery } from '../api/operations';
import { useSignedIn } from '../auth/session';
import { Empty, ErrorBox, Loading, formatDateTime, humanise } from '../components/status';
import type { EngagementFilter, EngagementStatus } from '../gql/graphql';

const PAGE = 20;
const STATUSES: EngagementStatus[] = ['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED'];

/** The filter the form describes: blank fields filter nothing. */
export function filterOf(form: { status: string; coachId: string; overdue: boolean; search: string }): EngagementFilter {
  const filter: EngagementFilter = {};
  if (form.status) filter.status = [form.status as EngagementStatus];
  if (form.coachId) filter.coachId = form.coachId;
  if (form.overdue) filter.hasOverdueHomework = true;
  if (form.search.trim()) filter.search = form.search.trim();
  return filter;
}

function CoachOptions() {
  const { data } = useQuery(CoachesQuery, {});
  return (
    <>
      {data?.practiceDashboard.coaches.map((c) => (
        <option key={c.coach.id} value={c.coach.id}>
          {c.coach.name}
        </option>
      ))}
    </>
  );
}

export function EngagementsPage() {
  const { viewer } = useSignedIn();
  const [form, setForm] = useState({ status: '', coachId: '', overdue: false, search: '' });
  const [filter, setFilter] = useState<EngagementFilter>({});
  // cursors of the pages before the current one: "Previous" pops
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const { data, error, loading, refetch } = useQuery(EngagementsQuery, { first: PAGE, after, filter });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter(filterOf(form));
    setCursors([null]);
  };
  const list = data?.engagements;
  const page = cursors.length;

  return (
    <>
      <h1>Engagements</h1>
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter engagements">
        <label>
          Search by client, coach or title
          <input type="search" value={form.search} onChange={(e) => setForm({ ...form, search: e.target.value })} />
        </label>
        <label>
          Status
          <select value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanise(s)}
              </option>
            ))}
          </select>
        </label>
        {viewer.role === 'ADMIN' && (
          <label>
            Coach
            <select value={form.coachId} onChange={(e) => setForm({ ...form, coachId: e.target.value })}>
              <option value="">Any</option>
              <CoachOptions />
            </select>
          </label>
        )}
        <label className="inline">
          <input type="checkbox" checked={form.overdue} onChange={(e) => setForm({ ...form, overdue: e.target.checked })} />
          Overdue homework only
        </label>
        <button type="submit">Apply</button>
      </form>
      {error && <ErrorBox error={error} onReload={refetch} />}
      {!list && !error && <Loading what="engagements" />}
      {list && (
        <>
          <p role="status" aria-live="polite">
            {loading ? 'Loading…' : `${list.totalCount} engagement${list.totalCount === 1 ? '' : 's'} · page ${page}`}
          </p>
          {list.edges.length === 0 ? (
            <Empty>No engagement matches these filters.</Empty>
          ) : (
            <table data-testid="engagements-table">
              <thead>
                <tr>
                  <th scope="col">Engagement</th>
                  <th scope="col">Client</th>
                  <th scope="col">Coach</th>
                  <th scope="col">Status</th>
                  <th scope="col">Open homework</th>
                  <th scope="col">Overdue</th>
                  <th scope="col">Awaiting feedback</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>
                      <Link href={`/engagements/${node.id}`}>{node.title}</Link>
                    </td>
                    <td>{node.client.name}</td>
                    <td>{node.coach.name}</td>
                    <td>{humanise(node.status)}</td>
                    <td>{node.openHomeworkCount}</td>
                    <td>{node.overdueHomeworkCount}</td>
                    <td>{node.awaitingFeedbackCount}</td>
                    <td>{formatDateTime(node.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={page === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
            <button
              type="button"
              disabled={!list.pageInfo.hasNextPage}
              onClick={() => setCursors([...cursors, list.pageInfo.endCursor ?? null])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
