import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { SessionProvider, useSession } from '../auth/session';
import { EngagementPage } from './engagement';

// The coach's engagement page with its time slider, against the API as the console sees it:
// one recorded answer per operation. No websocket server: the live client never connects.

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
(globalThis as { WebSocket: unknown }).WebSocket = class {
  readyState = 0;
  protocol = '';
  send() {}
  close() {}
};

const person = (id: string, name: string) => ({ id, name, email: null });
const timeline = (count: number) => ({
  edges: Array.from({ length: count }, (_, i) => ({
    node: { version: i + 1, type: ['EngagementOpened', 'IntakeRecorded', 'HomeworkAssigned', 'DraftSubmitted', 'FeedbackGiven'][i], actorId: 'coach-mark', actorRole: 'COACH', occurredAt: `2026-11-2${i}T10:00:00Z` },
  })),
  pageInfo: { hasNextPage: false },
});
const draft = (revision: number, content: string, feedback: unknown = null) => ({ id: `d-${revision}`, revision, content, submittedAt: '2026-11-23T10:00:00Z', feedback });
const engagement = (version: number, asOf: string | null, drafts: unknown[], status: string) => ({
  id: 'e-1',
  title: 'Senior IT job search',
  status: 'ACTIVE',
  version,
  openedAt: '2026-11-20T10:00:00Z',
  closedAt: null,
  outcome: null,
  asOf,
  client: person('client-it', 'Daniel Price'),
  coach: person('coach-mark', 'Mark'),
  intake: null,
  homework: [{ id: 'hw-1', title: 'Ask for help', instructions: 'Three people.', status, dueAt: null, overdue: false, assignedAt: '2026-11-22T10:00:00Z', drafts }],
  sessions: [],
  jobSearch: { applications: 0, interviews: 0, offers: 0, interviewRate: null, channels: [] },
  timeline: timeline(version),
});
const feedback = { id: 'f-1', verdict: 'CHANGES_REQUESTED', comments: 'Name the person.', givenAt: '2026-11-24T10:00:00Z', givenBy: { id: 'coach-mark', name: 'Mark' } };
const ANSWERS: Record<string, unknown> = {
  Viewer: { viewer: { id: 'coach-mark', practiceId: 'demo-practice', role: 'COACH' } },
  Engagement: { engagement: engagement(5, null, [draft(1, 'My first list', feedback)], 'CHANGES_REQUESTED') },
  EngagementAsOf: {
    past: engagement(4, '2026-11-23T10:00:00Z', [draft(1, 'My first list')], 'SUBMITTED'),
    live: {
      id: 'e-1',
      version: 5,
      changes: [
        { version: 5, path: 'homework.hw-1.status', before: 'SUBMITTED', after: 'CHANGES_REQUESTED', actorId: 'coach-mark', occurredAt: '2026-11-24T10:00:00Z' },
        { version: 5, path: 'homework.hw-1.drafts.d-1.feedback', before: null, after: { verdict: 'CHANGES_REQUESTED', comments: 'Name the person.' }, actorId: 'coach-mark', occurredAt: '2026-11-24T10:00:00Z' },
      ],
    },
  },
};
const sent: { operation: string; variables: Record<string, unknown> }[] = [];
globalThis.fetch = (async (_url: string, init: RequestInit) => {
  const { query, variables } = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
  const operation = /(?:query|mutation) (\w+)/.exec(query)![1]!;
  sent.push({ operation, variables });
  return { status: 200, json: async () => ({ data: ANSWERS[operation] }) } as Response;
}) as unknown as typeof fetch;

let signIn: ReturnType<typeof useSession>['signIn'];
function SignedIn({ children }: { children: React.ReactNode }) {
  const session = useSession();
  signIn = session.signIn;
  return session.session ? <>{children}</> : null;
}

let container: HTMLDivElement;
let root: Root;
let location: ReturnType<typeof memoryLocation>;

async function render(path: string) {
  location = memoryLocation({ path, record: true });
  await act(async () =>
    root.render(
      <SessionProvider>
        <SignedIn>
          <Router hook={location.hook} searchHook={location.searchHook}>
            <EngagementPage id="e-1" />
          </Router>
        </SignedIn>
      </SessionProvider>,
    ),
  );
  await act(() => signIn('a.b.c', null));
}

/** Moves the range input as a person does (React listens to the input event). */
async function slide(input: HTMLInputElement, value: number) {
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(value));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const text = () => container.textContent ?? '';
const slider = () => container.querySelector<HTMLInputElement>('input[type=range]')!;

beforeEach(() => {
  sent.length = 0;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

it('shows the live engagement with a slider over its versions, at the last one', async () => {
  await render('/engagements/e-1');
  expect(slider().min).toBe('1');
  expect(slider().max).toBe('5');
  expect(slider().value).toBe('5');
  expect(slider().getAttribute('aria-valuetext')).toBe('Now: version 5 of 5: Feedback given by coach coach-mark, 24 Nov 2026, 10:00 UTC');
  expect(container.querySelector('[data-testid=as-of]')).toBeNull();
  expect(text()).toContain('Name the person.');
  expect(sent.map((s) => s.operation)).toEqual(['Viewer', 'Engagement']);
});

it('moved back, renders the page from the past view, marked as of then and read-only, with what changed since', async () => {
  await render('/engagements/e-1');
  await slide(slider(), 4);
  expect(location.history!.at(-1)).toBe('/engagements/e-1?asOfVersion=4');
  expect(sent.at(-1)).toEqual({ operation: 'EngagementAsOf', variables: { id: 'e-1', asOfVersion: 4, changesTo: 5 } });
  expect(slider().getAttribute('aria-valuetext')).toBe('Version 4 of 5: Draft submitted by coach coach-mark, 23 Nov 2026, 10:00 UTC');

  const past = container.querySelector('[data-testid=as-of]')!;
  expect(past.querySelector('[aria-label="Past view"]')!.textContent).toContain('As of 23 Nov 2026, 10:00 UTC — version 4 of 5.');
  expect(container.querySelector('h1')!.textContent).toContain('as of 23 Nov 2026, 10:00 UTC');
  // the homework as it stood: the draft waiting, no feedback yet, and no form to give it
  const homework = past.querySelector('article')!;
  expect(homework.textContent).toContain('Submitted');
  expect(homework.textContent).toContain('My first list');
  expect(homework.textContent).not.toContain('Name the person.');
  expect(past.querySelector('form')).toBeNull();
  // what changed since, in words
  const rows = [...past.querySelectorAll('[data-testid=changes] tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));
  expect(rows).toEqual([
    ['5', '24 Nov 2026, 10:00 UTC', 'coach-mark', 'Homework “Ask for help” › status', '“SUBMITTED”', '“CHANGES_REQUESTED”'],
    ['5', '24 Nov 2026, 10:00 UTC', 'coach-mark', 'Homework “Ask for help” › draft 1 › feedback', '—', '“Name the person.”'],
  ]);
});

it('opens at a linked past version, and goes back to live', async () => {
  await render('/engagements/e-1?asOfVersion=4');
  expect(slider().value).toBe('4');
  expect(container.querySelector('[data-testid=as-of]')).not.toBeNull();
  const back = [...container.querySelectorAll('button')].find((b) => b.textContent === 'Back to live')!;
  await act(async () => back.click());
  expect(location.history!.at(-1)).toBe('/engagements/e-1');
  expect(container.querySelector('[data-testid=as-of]')).toBeNull();
  expect(slider().value).toBe('5');
  expect(container.querySelector('form[aria-label="Give feedback"]')).toBeNull();
  expect(text()).toContain('Name the person.');
});

it('slid to the last version, is the live engagement again', async () => {
  await render('/engagements/e-1?asOfVersion=2');
  await slide(slider(), 5);
  expect(location.history!.at(-1)).toBe('/engagements/e-1');
  expect(container.querySelector('[data-testid=as-of]')).toBeNull();
});
