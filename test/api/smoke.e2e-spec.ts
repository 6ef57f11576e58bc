import { uniqueId } from '../support/ids.js';
import { e2e } from '../support/e2e.js';

const the = e2e({ pool: 0 });

it('opens an engagement and reads it back', async () => {
  const practiceId = uniqueId('p');
  const coach = { id: 'coach-1', role: 'COACH' as const, practiceId };
  const res = await the.api.gql<{ openEngagement: { id: string; status: string; version: number } }>(
    `mutation ($input: OpenEngagementInput!) { openEngagement(input: $input) { id status version } }`,
    { input: { coach: { id: 'coach-1', name: 'Mark' }, client: { id: 'client-1', name: 'Sam' }, title: 'Job search' } },
    coach,
  );
  expect(res.errors).toBeUndefined();
  expect(res.data!.openEngagement).toMatchObject({ status: 'INTAKE', version: 1 });
  const read = await the.api.gql<{ engagement: { title: string } }>(`query ($id: ID!) { engagement(id: $id) { title } }`, { id: res.data!.openEngagement.id }, coach);
  expect(read.data!.engagement.title).toBe('Job search');
});
