import { useState } from 'react';
import { Link } from 'wouter';
import { useQuery } from '../api/use-query';
import { AccessAuditQuery } from '../api/operations';
import { Empty, ErrorBox, Loading, formatDateTime, humanise } from '../components/status';

export function AuditPage() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const { data, error, refetch } = useQuery(AccessAuditQuery, { first: 50, after: cursors[cursors.length - 1] ?? null });
  if (error && !data) return <ErrorBox error={error} onReload={refetch} />;
  if (!data) return <Loading what="the access audit" />;
  const audit = data.accessAudit;
  return (
    <>
      <h1>Access audit</h1>
      <p>Every read of an engagement by someone who is neither its coach nor its client, newest first.</p>
      {audit.edges.length === 0 ? (
        <Empty>No such read yet.</Empty>
      ) : (
        <table data-testid="audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Engagement</th>
              <th scope="col">Operation</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {audit.edges.map(({ node }) => (
              <tr key={node.id}>
                <td>{formatDateTime(node.occurredAt)}</td>
                <td>
                  {node.actorId} ({humanise(node.actorRole)})
                </td>
                <td>
                  <Link href={`/engagements/${node.engagementId}`}>{node.engagementId.slice(0, 8)}</Link>
                </td>
                <td>
                  {node.operation}
                  {node.operationName ? ` (${node.operationName})` : ''}
                </td>
                <td>
                  <code>{node.requestId.slice(0, 8)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!audit.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, audit.pageInfo.endCursor ?? null])}>
          Older
        </button>
      </nav>
    </>
  );
}
