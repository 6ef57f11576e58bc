import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { useQuery } from '../api/use-query';
import { useLiveEngagements } from '../api/use-live';
import { EngagementAsOfQuery, EngagementQuery, GiveFeedbackMutation } from '../api/operations';
import { useSignedIn } from '../auth/session';
import { BarChart } from '../components/chart';
import { Empty, ErrorBox, Loading, formatDateTime, formatRate, humanise } from '../components/status';
import type { EngagementAsOfQuery as AsOfData, EngagementViewFragment, FeedbackVerdict } from '../gql/graphql';
import { ConsoleError } from '../api/errors';
import { changesRange, describePath, describeVersion, eventName, formatValue, namesOf, shownVersion, type Names } from './history';

type Engagement = EngagementViewFragment;
type Homework = Engagement['homework'][number];
type FieldChange = NonNullable<AsOfData['live']>['changes'][number];

function FeedbackForm({ draftId, onDone }: { draftId: string; onDone: () => void }) {
  const { run } = useSignedIn();
  const [comments, setComments] = useState('');
  const [verdict, setVerdict] = useState<FeedbackVerdict>('CHANGES_REQUESTED');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(GiveFeedbackMutation, { input: { draftId, verdict, comments, idempotencyKey: crypto.randomUUID() } });
      setComments('');
      onDone();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Give feedback">
      <label>
        Your feedback
        <textarea required value={comments} onChange={(e) => setComments(e.target.value)} rows={4} />
      </label>
      <fieldset>
        <legend>Verdict</legend>
        <label className="inline">
          <input type="radio" name={`verdict-${draftId}`} checked={verdict === 'CHANGES_REQUESTED'} onChange={() => setVerdict('CHANGES_REQUESTED')} />
          Ask for another draft
        </label>
        <label className="inline">
          <input type="radio" name={`verdict-${draftId}`} checked={verdict === 'ACCEPTED'} onChange={() => setVerdict('ACCEPTED')} />
          Accept
        </label>
      </fieldset>
      {error && <ErrorBox error={error} onReload={error instanceof ConsoleError && error.kind === 'conflict' ? onDone : undefined} />}
      <button type="submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send feedback'}
      </button>
    </form>
  );
}

function HomeworkItem({ homework, canGiveFeedback, onChange }: { homework: Homework; canGiveFeedback: boolean; onChange: () => void }) {
  const latest = homework.drafts[homework.drafts.length - 1];
  return (
    <article className="card" aria-labelledby={`hw-${homework.id}`}>
      <h3 id={`hw-${homework.id}`}>
        {homework.title} <span className={`badge ${homework.status.toLowerCase()}`}>{humanise(homework.status)}</span>
        {homework.overdue && <span className="badge overdue">Overdue</span>}
      </h3>
      <p className="muted">Due {formatDateTime(homework.dueAt)}</p>
      <p className="pre">{homework.instructions}</p>
      {homework.drafts.length === 0 ? (
        <Empty>No draft yet.</Empty>
      ) : (
        <ol className="thread">
          {homework.drafts.map((draft) => (
            <li key={draft.id}>
              <p>
                <strong>Draft {draft.revision}</strong> <span className="muted">submitted {formatDateTime(draft.submittedAt)}</span>
              </p>
              <blockquote className="pre">{draft.content}</blockquote>
              {draft.feedback && (
                <div className="feedback">
                  <p>
                    <strong>{draft.feedback.verdict === 'ACCEPTED' ? 'Accepted' : 'Changes requested'}</strong> by {draft.feedback.givenBy.name},{' '}
                    {formatDateTime(draft.feedback.givenAt)}
                  </p>
                  <p className="pre">{draft.feedback.comments}</p>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
      {canGiveFeedback && homework.status === 'SUBMITTED' && latest && !latest.feedback && <FeedbackForm draftId={latest.id} onDone={onChange} />}
    </article>
  );
}

/**
 * The time slider: one step per version of the engagement's stream, the last one the live
 * engagement. Moving it puts `?asOfVersion=` in the address (so a past view can be linked to).
 */
function HistorySlider({ liveVersion, shown, events, onShow }: { liveVersion: number; shown: number | null; events: Engagement['timeline']['edges'][number]['node'][]; onShow: (version: number | null) => void }) {
  const value = shown ?? liveVersion;
  const reading = describeVersion(value, liveVersion, events);
  return (
    <section aria-labelledby="history" className="history">
      <h2 id="history">History</h2>
      {liveVersion < 2 ? (
        <Empty>Nothing has happened since the engagement was opened.</Empty>
      ) : (
        <>
          <label htmlFor="history-slider">Show the engagement as it stood after event</label>
          <div className="slider-row">
            <span aria-hidden="true">1</span>
            <input
              id="history-slider"
              type="range"
              min={1}
              max={liveVersion}
              step={1}
              value={value}
              aria-valuetext={reading}
              aria-describedby="history-reading"
              onChange={(event) => {
                const version = Number(event.target.value);
                onShow(version >= liveVersion ? null : version);
              }}
            />
            <span aria-hidden="true">{liveVersion} (now)</span>
          </div>
          <p id="history-reading" className="muted" data-testid="history-reading">
            {reading}
          </p>
        </>
      )}
    </section>
  );
}

function ChangesSince({ asOfVersion, liveVersion, changes, names }: { asOfVersion: number; liveVersion: number; changes: FieldChange[]; names: Names }) {
  const { truncated, toVersion } = changesRange(asOfVersion, liveVersion);
  const SHOWN = 200;
  return (
    <section aria-labelledby="changes">
      <h2 id="changes">What changed since version {asOfVersion}</h2>
      {truncated && <p className="muted">The first {toVersion - asOfVersion} versions after it (up to version {toVersion}).</p>}
      {changes.length === 0 ? (
        <Empty>Nothing the page shows has changed since.</Empty>
      ) : (
        <table data-testid="changes">
          <caption>
            {changes.length} change{changes.length === 1 ? '' : 's'} from version {asOfVersion} to {toVersion}
            {changes.length > SHOWN ? ` (the first ${SHOWN} shown)` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {changes.slice(0, SHOWN).map((c, i) => (
              <tr key={`${c.version}-${c.path}-${i}`}>
                <td>{c.version}</td>
                <td>{formatDateTime(c.occurredAt)}</td>
                <td>{c.actorId}</td>
                <td>{describePath(c.path, names)}</td>
                <td>{formatValue(c.before)}</td>
                <td>{formatValue(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The sections of the page, from the live engagement or from a past view (read-only). */
function EngagementSections({ e, canGiveFeedback, onChange }: { e: Engagement; canGiveFeedback: boolean; onChange: () => void }) {
  const channels = e.jobSearch.channels;
  const baseline = e.intake?.baseline ?? [];
  return (
    <>
      <section aria-labelledby="intake">
        <h2 id="intake">Intake</h2>
        {e.intake ? (
          <dl className="pairs">
            <dt>Question</dt>
            <dd>“{e.intake.presentingQuestion}”</dd>
            <dt>Background</dt>
            <dd>{e.intake.background}</dd>
            <dt>Current strategy</dt>
            <dd>{e.intake.currentStrategy}</dd>
            <dt>Goals</dt>
            <dd>
              <ul>
                {e.intake.goals.map((g) => (
                  <li key={g}>{g}</li>
                ))}
              </ul>
            </dd>
          </dl>
        ) : (
          <Empty>The intake has not been recorded yet.</Empty>
        )}
      </section>
      <section aria-labelledby="homework">
        <h2 id="homework">Homework</h2>
        {e.homework.length === 0 ? (
          <Empty>No homework set.</Empty>
        ) : (
          e.homework.map((h) => <HomeworkItem key={h.id} homework={h} canGiveFeedback={canGiveFeedback} onChange={onChange} />)
        )}
      </section>
      <section aria-labelledby="sessions">
        <h2 id="sessions">Sessions</h2>
        {e.sessions.length === 0 ? (
          <Empty>No session logged.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Held</th>
                <th scope="col">Minutes</th>
                <th scope="col">Summary</th>
              </tr>
            </thead>
            <tbody>
              {e.sessions.map((s) => (
                <tr key={s.id}>
                  <td>{formatDateTime(s.heldAt)}</td>
                  <td>{s.durationMinutes}</td>
                  <td>{s.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="funnel">
        <h2 id="funnel">Job-search funnel</h2>
        <p>
          {e.jobSearch.applications} applications → {e.jobSearch.interviews} interviews ({formatRate(e.jobSearch.interviewRate)}) →{' '}
          {e.jobSearch.offers} offers
        </p>
        {channels.length ? (
          <BarChart
            title="Interview rate per channel: intake baseline and now"
            category="Channel"
            labels={channels.map((c) => humanise(c.channel))}
            series={[
              { label: 'At intake (%)', values: channels.map((c) => 100 * (baseline.find((b) => b.channel === c.channel)?.interviewRate ?? 0)) },
              { label: e.asOf ? 'Then (%)' : 'Now (%)', values: channels.map((c) => 100 * (c.interviewRate ?? 0)) },
            ]}
            format={(v) => `${v.toFixed(1)} %`}
          />
        ) : (
          <Empty>No job-search figures yet.</Empty>
        )}
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        <table data-testid="timeline">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {e.timeline.edges.map(({ node }) => (
              <tr key={node.version}>
                <td>{node.version}</td>
                <td>{eventName(node.type)}</td>
                <td>
                  {node.actorId} ({humanise(node.actorRole)})
                </td>
                <td>{formatDateTime(node.occurredAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {e.timeline.pageInfo.hasNextPage && <p className="muted">The first 100 events are shown.</p>}
      </section>
    </>
  );
}

export function EngagementPage({ id }: { id: string }) {
  const { viewer } = useSignedIn();
  const search = useSearch();
  const [, navigate] = useLocation();
  const { data, error, loading, refetch } = useQuery(EngagementQuery, { id });
  const e = data?.engagement;
  const liveVersion = e?.version ?? 0;
  const asOfVersion = e ? shownVersion(search, liveVersion) : null;
  const past = useQuery(
    EngagementAsOfQuery,
    asOfVersion === null ? null : { id, asOfVersion, changesTo: changesRange(asOfVersion, liveVersion).toVersion },
  );
  // a past view reloads by itself when the live version moves (its changesTo follows it)
  const live = useLiveEngagements([id], () => void refetch());
  const show = (version: number | null) =>
    navigate(version === null ? `/engagements/${id}` : `/engagements/${id}?asOfVersion=${version}`, { replace: true });

  if (error && !data) return <ErrorBox error={error} onReload={refetch} />;
  if (!data) return <Loading what="the engagement" />;
  if (!e) return <ErrorBox error={new Error('This engagement does not exist or is not yours to see.')} />;
  const then = asOfVersion === null ? null : past.data?.past ?? null;
  const events = e.timeline.edges.map((edge) => edge.node);
  return (
    <>
      <h1>
        {e.title}
        {then?.asOf && <span className="badge as-of-badge">as of {formatDateTime(then.asOf)}</span>}
      </h1>
      <p className="muted">
        {humanise((then ?? e).status)} · client {e.client.name} · coach {e.coach.name} · opened {formatDateTime(e.openedAt)}
      </p>
      <p className="live" role="status" aria-live="polite" data-testid="live-status">
        {loading ? 'Refreshing…' : live}
      </p>
      {error && <ErrorBox error={error} onReload={refetch} />}
      <HistorySlider liveVersion={liveVersion} shown={asOfVersion} events={events} onShow={show} />
      {asOfVersion === null ? (
        <EngagementSections e={e} canGiveFeedback={viewer.role === 'COACH'} onChange={() => void refetch()} />
      ) : (
        <div className="as-of" data-testid="as-of">
          <div className="as-of-banner" role="region" aria-label="Past view">
            <p>
              <strong>
                As of {then?.asOf ? formatDateTime(then.asOf) : '…'} — version {then?.version ?? asOfVersion} of {liveVersion}.
              </strong>{' '}
              This is the engagement as it stood then: read-only.
            </p>
            <button type="button" onClick={() => show(null)}>
              Back to live
            </button>
          </div>
          {past.error && <ErrorBox error={past.error} onReload={past.refetch} />}
          {past.loading && <Loading what={`version ${asOfVersion}`} />}
          {then && (
            <>
              {past.data?.live && <ChangesSince asOfVersion={then.version} liveVersion={liveVersion} changes={past.data.live.changes} names={namesOf(e)} />}
              <EngagementSections e={then} canGiveFeedback={false} onChange={() => void past.refetch()} />
            </>
          )}
        </div>
      )}
    </>
  );
}
