import { Link } from 'wouter';
import { useQuery } from '../api/use-query';
import { useLiveEngagements } from '../api/use-live';
import { FeedbackQueueQuery } from '../api/operations';
import { Empty, ErrorBox, Loading, formatDateTime } from '../components/status';
import type { FeedbackQueueQuery as QueueData } from '../gql/graphql';

export interface Waiting {
  engagementId: string;
  engagementTitle: string;
  client: string;
  homework: string;
  revision: number;
  submittedAt: string;
}

/** Every draft waiting for feedback, the longest wait first. */
export function waitingDrafts(data: QueueData): Waiting[] {
  return data.engagements.edges
    .flatMap(({ node }) =>
      node.homework.flatMap((h) =>
        h.latestDraft
          ? [{ engagementId: node.id, engagementTitle: node.title, client: node.client.name, homework: h.title, revision: h.latestDraft.revision, submittedAt: h.latestDraft.submittedAt }]
          : [],
      ),
    )
    .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
}

export function waitedFor(since: string, now = Date.now()): string {
  const hours = Math.max(0, (now - Date.parse(since)) / 3_600_000);
  return hours < 48 ? `${Math.floor(hours)} h` : `${Math.floor(hours / 24)} days`;
}

export function QueuePage() {
  const { data, error, refetch } = useQuery(FeedbackQueueQuery, {});
  // the API allows 50 subscriptions per connection: the first 40 engagements update live, the rest on reload
  const ids = data?.engagements.edges.map((e) => e.node.id).slice(0, 40) ?? [];
  const live = useLiveEngagements(ids, () => void refetch());
  if (error && !data) return <ErrorBox error={error} onReload={refetch} />;
  if (!data) return <Loading what="your feedback queue" />;
  const waiting = waitingDrafts(data);
  return (
    <>
      <h1>Waiting for my feedback</h1>
      <p className="live" role="status" aria-live="polite">
        {live}
      </p>
      {waiting.length === 0 ? (
        <Empty>Nothing is waiting for your feedback.</Empty>
      ) : (
        <table data-testid="queue">
          <caption>Drafts waiting for feedback, longest wait first</caption>
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Homework</th>
              <th scope="col">Draft</th>
              <th scope="col">Submitted</th>
              <th scope="col">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {waiting.map((w) => (
              <tr key={`${w.engagementId}:${w.homework}:${w.revision}`}>
                <td>{w.client}</td>
                <td>
                  <Link href={`/engagements/${w.engagementId}`}>{w.homework}</Link>
                </td>
                <td>{w.revision}</td>
                <td>{formatDateTime(w.submittedAt)}</td>
                <td>{waitedFor(w.submittedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
