import { useState, type FormEvent } from 'react';
import { useQuery } from '../api/use-query';
import { useLiveEngagements } from '../api/use-live';
import { MyEngagementsQuery, SubmitDraftMutation } from '../api/operations';
import { useSignedIn } from '../auth/session';
import { Empty, ErrorBox, Loading, formatDateTime, humanise } from '../components/status';
import type { MyEngagementsQuery as MyData } from '../gql/graphql';

type Homework = MyData['engagements']['edges'][number]['node']['homework'][number];

function DraftForm({ homework, onDone }: { homework: Homework; onDone: () => void }) {
  const { run } = useSignedIn();
  const [content, setContent] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(SubmitDraftMutation, { input: { homeworkId: homework.id, content, idempotencyKey: crypto.randomUUID() } });
      setContent('');
      onDone();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={`Submit a draft of ${homework.title}`}>
      <label>
        Your draft
        <textarea required rows={6} value={content} onChange={(e) => setContent(e.target.value)} />
      </label>
      {error && <ErrorBox error={error} onReload={onDone} />}
      <button type="submit" disabled={busy}>
        {busy ? 'Submitting…' : 'Submit draft'}
      </button>
    </form>
  );
}

export function MyHomeworkPage() {
  const { data, error, refetch } = useQuery(MyEngagementsQuery, {});
  const ids = data?.engagements.edges.map((e) => e.node.id).slice(0, 40) ?? [];
  const live = useLiveEngagements(ids, () => void refetch());
  if (error && !data) return <ErrorBox error={error} onReload={refetch} />;
  if (!data) return <Loading what="your homework" />;
  const engagements = data.engagements.edges.map((e) => e.node);
  return (
    <>
      <h1>My homework</h1>
      <p className="live" role="status" aria-live="polite" data-testid="live-status">
        {live}
      </p>
      {error && <ErrorBox error={error} onReload={refetch} />}
      {engagements.length === 0 && <Empty>You have no engagement yet.</Empty>}
      {engagements.map((e) => (
        <section key={e.id} aria-labelledby={`e-${e.id}`}>
          <h2 id={`e-${e.id}`}>
            {e.title} <span className="muted">with {e.coach.name}</span>
          </h2>
          {e.homework.length === 0 && <Empty>No homework yet.</Empty>}
          {e.homework.map((h) => (
            <article key={h.id} className="card" aria-labelledby={`hw-${h.id}`}>
              <h3 id={`hw-${h.id}`}>
                {h.title} <span className={`badge ${h.status.toLowerCase()}`}>{humanise(h.status)}</span>
                {h.overdue && <span className="badge overdue">Overdue</span>}
              </h3>
              <p className="muted">Due {formatDateTime(h.dueAt)}</p>
              <p className="pre">{h.instructions}</p>
              {h.drafts.length > 0 && (
                <ol className="thread">
                  {h.drafts.map((d) => (
                    <li key={d.id}>
                      <p>
                        <strong>Draft {d.revision}</strong> <span className="muted">{formatDateTime(d.submittedAt)}</span>
                      </p>
                      <blockquote className="pre">{d.content}</blockquote>
                      {d.feedback ? (
                        <div className="feedback">
                          <p>
                            <strong>{d.feedback.verdict === 'ACCEPTED' ? 'Accepted' : 'Changes requested'}</strong> · {formatDateTime(d.feedback.givenAt)}
                          </p>
                          <p className="pre">{d.feedback.comments}</p>
                        </div>
                      ) : (
                        <p className="muted">Waiting for your coach's feedback.</p>
                      )}
                    </li>
                  ))}
                </ol>
              )}
              {(h.status === 'ASSIGNED' || h.status === 'CHANGES_REQUESTED') && <DraftForm homework={h} onDone={() => void refetch()} />}
            </article>
          ))}
        </section>
      ))}
    </>
  );
}
