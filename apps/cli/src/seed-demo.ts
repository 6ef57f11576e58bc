import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, type Command } from '@nestjs/cqrs';
import { AppConfigService, AuthModule, ConfigModule, Database, DatabaseModule, EXTERNAL_ID, TokenService } from '#platform';
import {
  AssignHomeworkCommand,
  DEFAULT_SETTINGS,
  EngagementWriteModule,
  GiveFeedbackCommand,
  LogCoachingSessionCommand,
  LogJobSearchActivityCommand,
  OpenEngagementCommand,
  RecordIntakeCommand,
  SubmitDraftCommand,
  UpdatePracticeSettingsCommand,
  type CommandOrigin,
  type CommandOutcome,
  type Person,
} from '#engagement';

// The demo story: a coach's new client, a senior IT professional who sent 500
// résumés through job boards for 8 interviews and asks what he is doing wrong.
// Every write goes through the CommandBus like a GraphQL mutation would, each
// with its own idempotency key, so a second run replays the first and appends nothing.

export const DEMO_PRACTICE_ID = 'demo-practice';

export const DEMO_PEOPLE = {
  admin: { id: 'admin-demo', name: 'Practice admin', email: 'admin@demo-practice.example' },
  coach: { id: 'coach-mark', name: 'Mark', email: 'mark@demo-practice.example' },
  client: { id: 'client-it', name: 'Daniel Price', email: 'daniel.price@example.com' },
} as const satisfies Record<string, Person>;

type DemoRole = 'ADMIN' | 'COACH' | 'CLIENT';
const ROLE_OF: Record<keyof typeof DEMO_PEOPLE, DemoRole> = { admin: 'ADMIN', coach: 'COACH', client: 'CLIENT' };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DemoStory {
  practiceId: string;
  engagementId: string;
  homework: { hook: string; askForHelp: string };
  drafts: { hookRevision1: string; hookRevision2: string; askForHelpRevision1: string };
  /** events this run appended: 0 when the story was already there */
  newEvents: number;
}

/** The Nest context the seed needs: configuration, the database, tokens and the write side. */
@Module({})
export class SeedDemoModule {
  static forRoot(): DynamicModule {
    return { module: SeedDemoModule, imports: [ConfigModule.forRoot(), DatabaseModule, AuthModule, EngagementWriteModule] };
  }
}

export function createSeedDemoContext(): Promise<INestApplicationContext> {
  // warnings and errors only: the command's output is the tokens it prints
  return NestFactory.createApplicationContext(SeedDemoModule.forRoot(), { logger: ['error', 'warn'], abortOnError: false });
}

/**
 * Writes the demo story into `practiceId` (the schema must be migrated).
 * Idempotent: ids of people and the practice are fixed, every command carries
 * an idempotency key `seed-demo:<step>`, and times that enter a command's input
 * (due dates, the session's time) derive from when the engagement was first
 * opened, so a rerun sends the very same requests and gets the first answers back.
 */
export async function seedDemo(app: INestApplicationContext, options: { practiceId?: string } = {}): Promise<DemoStory> {
  const practiceId = options.practiceId ?? DEMO_PRACTICE_ID;
  if (!EXTERNAL_ID.test(practiceId)) throw new Error(`invalid practice id "${practiceId}": letters, digits and . _ : @ -, up to 128`);
  const bus = app.get(CommandBus);
  const db = app.get(Database);
  const correlationId = `seed-demo:${randomUUID()}`;
  let newEvents = 0;

  const origin = (who: keyof typeof DEMO_PEOPLE, step: string): CommandOrigin => ({
    actor: { id: DEMO_PEOPLE[who].id, role: ROLE_OF[who] },
    practiceId,
    correlationId,
    causationId: `seed-demo:${step}`,
    now: new Date(),
  });
  const key = (step: string) => ({ idempotencyKey: `seed-demo:${step}` });
  const send = async (command: Command<CommandOutcome>): Promise<CommandOutcome> => {
    const outcome = await bus.execute(command);
    if (!outcome.replayed) newEvents += outcome.events.length;
    return outcome;
  };
  const idOf = (outcome: CommandOutcome, field: 'homeworkId' | 'draftId'): string => {
    const value = (outcome.events[0]?.data as Record<string, unknown> | undefined)?.[field];
    if (typeof value !== 'string') throw new Error(`seed-demo: no ${field} in the outcome of ${outcome.streamId}`);
    return value;
  };

  // The practice's reminder settings, stored explicitly with their defaults (once: a later change by an admin stays).
  const settings = await db.read(practiceId, 'SELECT 1 FROM practice_settings WHERE practice_id = $1', [practiceId]);
  if (settings.length === 0) {
    const { webhookUrl, emailReminders, dueSoonOffsetsMinutes, overdueAfterMinutes, feedbackWindowMinutes } = DEFAULT_SETTINGS;
    await bus.execute(
      new UpdatePracticeSettingsCommand(origin('admin', 'settings'), {
        webhookUrl,
        emailReminders,
        dueSoonOffsetsMinutes,
        overdueAfterMinutes,
        feedbackWindowMinutes,
      }),
    );
    newEvents += 1;
  }

  const opened = await send(
    new OpenEngagementCommand(
      origin('admin', 'open'),
      { coach: DEMO_PEOPLE.coach, client: DEMO_PEOPLE.client, title: 'Senior IT job search: from job boards to networking' },
      key('open'),
    ),
  );
  const engagementId = opened.streamId;
  const openedAt = opened.events[0]?.occurredAt.getTime() ?? Date.now();

  await send(
    new RecordIntakeCommand(
      origin('coach', 'intake'),
      {
        engagementId,
        presentingQuestion: 'What am I doing wrong?',
        background:
          'Senior IT professional with a long, well-documented record of results, who nevertheless struggles to get ' +
          'interviews. Sees networking as vague and beneath someone of his seniority, like begging for work; underneath, ' +
          'he does not yet know how to tell his story compellingly or how to ask for help.',
        goals: [
          'Tell his story in a way that makes a listener want to hear more',
          'Ask for help so that people answer yes',
          'Move the search from posted openings toward networking and the hidden job market',
        ],
        currentStrategy:
          'Almost entirely job boards: at least 500 résumés sent in reply to posted openings, for 8 interviews (1.6%). No networking.',
        baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
      },
      key('intake'),
    ),
  );

  await send(
    new LogCoachingSessionCommand(
      origin('coach', 'session-1'),
      {
        engagementId,
        heldAt: new Date(openedAt - 2 * HOUR),
        durationMinutes: 60,
        summary:
          'First session. Posted openings give almost everyone about the same poor odds; relying on them leaves out the ' +
          'many roles that are never advertised. He laughed off networking as begging, then admitted the real obstacle: ' +
          'no compelling way to tell his story and no idea how to ask for help. Agreed two assignments: find the hook of ' +
          'his elevator pitch, then work out how to ask for help so people say yes.',
      },
      key('session-1'),
    ),
  );

  const hook = idOf(
    await send(
      new AssignHomeworkCommand(
        origin('coach', 'homework-hook'),
        {
          engagementId,
          title: 'Articulate your hook',
          instructions:
            'Script your elevator pitch and practise it aloud. Start with the hook: one word, phrase or sentence that ' +
            'makes a listener immediately want to hear more about who you are and what you offer. Submit the script.',
          dueAt: new Date(openedAt + 3 * DAY),
        },
        key('homework-hook'),
      ),
    ),
    'homeworkId',
  );

  const askForHelp = idOf(
    await send(
      new AssignHomeworkCommand(
        origin('coach', 'homework-ask'),
        {
          engagementId,
          title: 'Ask for help so people say yes',
          instructions:
            'Asking a new contact for a job or for leads is too blunt. Write down how you will ask for ideas, information ' +
            'or advice, phrased so that the natural answer is "yes". Two or three requests you would actually use.',
          dueAt: new Date(openedAt + 7 * DAY),
        },
        key('homework-ask'),
      ),
    ),
    'homeworkId',
  );

  const hookRevision1 = idOf(
    await send(
      new SubmitDraftCommand(
        origin('client', 'draft-hook-1'),
        {
          homeworkId: hook,
          content:
            'I am an IT leader with twenty years in infrastructure, project delivery and vendor management. I have led ' +
            'teams of up to forty people and delivered large programmes on time and on budget.',
        },
        key('draft-hook-1'),
      ),
    ),
    'draftId',
  );

  await send(
    new GiveFeedbackCommand(
      origin('coach', 'feedback-hook-1'),
      {
        draftId: hookRevision1,
        verdict: 'CHANGES_REQUESTED',
        comments:
          'Accurate, but this is your résumé read aloud: nothing in it makes a stranger lean in. Open with one line only ' +
          'you can say (a result, or the problem people call you for) and let the rest follow when they ask.',
      },
      key('feedback-hook-1'),
    ),
  );

  const hookRevision2 = idOf(
    await send(
      new SubmitDraftCommand(
        origin('client', 'draft-hook-2'),
        {
          homeworkId: hook,
          content:
            "I'm the person companies call when a data-centre move cannot go wrong. Last year I moved a regional " +
            "hospital's systems to a new site over one weekend without an hour of downtime. I'm looking for the next " +
            'organisation that needs that kind of calm under pressure.',
        },
        key('draft-hook-2'),
      ),
    ),
    'draftId',
  );

  await send(
    new GiveFeedbackCommand(
      origin('coach', 'feedback-hook-2'),
      {
        draftId: hookRevision2,
        verdict: 'ACCEPTED',
        comments: 'That is your hook: concrete, memorable, and it invites "How did you pull that off?". Practise it until it takes under 30 seconds.',
      },
      key('feedback-hook-2'),
    ),
  );

  const askForHelpRevision1 = idOf(
    await send(
      new SubmitDraftCommand(
        origin('client', 'draft-ask-1'),
        {
          homeworkId: askForHelp,
          content:
            'Instead of "Do you know of any openings?":\n' +
            '1. "Could I get your view on how hospitals are handling their infrastructure moves these days?"\n' +
            '2. "Who are two people you think I should talk to about that?"\n' +
            '3. "Would you be comfortable introducing me to one of them?"',
        },
        key('draft-ask-1'),
      ),
    ),
    'draftId',
  );

  await send(
    new LogJobSearchActivityCommand(
      origin('client', 'activity-networking-1'),
      {
        engagementId,
        channel: 'NETWORKING',
        applications: 3,
        interviews: 2,
        offers: 0,
        note: 'Six conversations with former colleagues and a local IT leaders group using the new pitch; three led to introductions for roles, two of those to interviews.',
      },
      key('activity-networking-1'),
    ),
  );

  return {
    practiceId,
    engagementId,
    homework: { hook, askForHelp },
    drafts: { hookRevision1, hookRevision2, askForHelpRevision1 },
    newEvents,
  };
}

export type DemoTokens = Record<DemoRole, string>;

/** Bearer tokens of the demo's admin, coach and client (HS256 with JWT_SECRET). */
export async function issueDemoTokens(app: INestApplicationContext, practiceId: string, expiresIn = 12 * 3600): Promise<DemoTokens> {
  const tokens = app.get(TokenService);
  const issue = (who: keyof typeof DEMO_PEOPLE) =>
    tokens.issue({ practiceId, role: ROLE_OF[who], sub: DEMO_PEOPLE[who].id, name: DEMO_PEOPLE[who].name, email: DEMO_PEOPLE[who].email, expiresIn });
  const [ADMIN, COACH, CLIENT] = await Promise.all([issue('admin'), issue('coach'), issue('client')]);
  return { ADMIN, COACH, CLIENT };
}

/** What `seed-demo` prints: ids, tokens, and how to try them. */
export function describeDemo(app: INestApplicationContext, story: DemoStory, tokens: DemoTokens): string {
  const url = `http://localhost:${app.get(AppConfigService).get('PORT')}/graphql`;
  const query = `query ($id: ID!) { engagement(id: $id) { title status intake { presentingQuestion } homework { title status drafts { revision feedback { verdict } } } jobSearch { channels { channel applications interviews interviewRate } } } }`;
  const body = JSON.stringify({ query, variables: { id: story.engagementId } });
  return [
    story.newEvents > 0
      ? `Demo story written to practice ${story.practiceId} (${story.newEvents} events).`
      : `Demo story already in practice ${story.practiceId}; nothing written.`,
    '',
    `Engagement id: ${story.engagementId}`,
    '',
    'Bearer tokens (valid 12 hours):',
    `  ADMIN  (${DEMO_PEOPLE.admin.id})`,
    `    ${tokens.ADMIN}`,
    `  COACH  (${DEMO_PEOPLE.coach.id})`,
    `    ${tokens.COACH}`,
    `  CLIENT (${DEMO_PEOPLE.client.id})`,
    `    ${tokens.CLIENT}`,
    '',
    `GraphiQL (development only): ${url}`,
    'Paste into its Headers tab:',
    `  {"Authorization": "Bearer ${tokens.COACH}"}`,
    '',
    'Or with curl, as the coach:',
    `  curl -s ${url} -H 'Content-Type: application/json' \\`,
    `    -H 'Authorization: Bearer ${tokens.COACH}' \\`,
    `    -d '${body.replaceAll("'", "'\\''")}'`,
    '',
  ].join('\n');
}
