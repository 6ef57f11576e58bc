import type {
  AssignHomework,
  CancelHomework,
  CloseEngagement,
  EngagementCommand,
  GiveFeedback,
  LogCoachingSession,
  LogJobSearchActivity,
  OpenEngagement,
  PauseEngagement,
  RecordIntake,
  RescheduleHomework,
  RecordReminderSent,
  RecordRemindersSent,
  RecordRemindersHeld,
  RecordDigestSent,
  ResumeEngagement,
  SubmitDraft,
} from './commands.js';
import { Forbidden, NotFound, RuleViolated } from './errors.js';
import type { EngagementEvent } from './events.js';
import { LIMITS } from './limits.js';
import { OPEN_HOMEWORK } from './types.js';
import type { Actor, EngagementStatus, HomeworkStatus, Person } from './types.js';

export interface HomeworkState {
  id: string;
  title: string;
  status: HomeworkStatus;
  /** ISO-8601 instant or null */
  dueAt: string | null;
  /** in submission order */
  draftIds: string[];
  latestDraftId: string | null;
}

export interface DraftState {
  id: string;
  homeworkId: string;
  revision: number;
  feedbackGiven: boolean;
}

/**
 * What the decider needs to know about one engagement, folded from its stream.
 * Only what a rule reads lives here; read models hold the rest.
 */
export interface EngagementState {
  status: 'NONE' | EngagementStatus;
  id: string | null;
  practiceId: string | null;
  coach: Person | null;
  client: Person | null;
  title: string | null;
  homework: Record<string, HomeworkState>;
  drafts: Record<string, DraftState>;
  /** ids already used, so a reused id is refused (DUPLICATE_ID) */
  feedbackIds: Record<string, true>;
  sessionIds: Record<string, true>;
  activityIds: Record<string, true>;
  /** reminder ids already recorded (RecordReminderSent is idempotent on them) */
  remindersSent: Record<string, true>;
}

export const initialState = (): EngagementState => ({
  status: 'NONE',
  id: null,
  practiceId: null,
  coach: null,
  client: null,
  title: null,
  homework: {},
  drafts: {},
  feedbackIds: {},
  sessionIds: {},
  activityIds: {},
  remindersSent: {},
});

/** An engagement that has been opened: the state every command but OpenEngagement needs. */
type LiveState = EngagementState & { status: EngagementStatus; coach: Person; client: Person };

function isLive(state: EngagementState): state is LiveState {
  return state.status !== 'NONE' && state.coach !== null && state.client !== null;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------

/**
 * Decides what a command means for the engagement, or refuses it with a typed
 * DomainError. Checks run in one order for every command: the engagement
 * exists, the actor may act on it, it is not CLOSED, its status allows the
 * command, the named entity exists, the entity's own rules.
 */
export function decide(command: EngagementCommand, state: EngagementState): EngagementEvent[] {
  if (command.type === 'OpenEngagement') return openEngagement(command, state);
  const live = admit(command, state)!;
  // A reminder that went out is a fact even if the engagement closed meanwhile.
  if (live.status === 'CLOSED' && command.type !== 'RecordReminderSent' && command.type !== 'RecordRemindersSent') {
    throw new RuleViolated('ENGAGEMENT_CLOSED', `Engagement ${live.id ?? ''} is closed`);
  }

  switch (command.type) {
    case 'RecordIntake':
      return recordIntake(command, live);
    case 'AssignHomework':
      return assignHomework(command, live);
    case 'SubmitDraft':
      return submitDraft(command, live);
    case 'GiveFeedback':
      return giveFeedback(command, live);
    case 'CancelHomework':
      return cancelHomework(command, live);
    case 'RescheduleHomework':
      return rescheduleHomework(command, live);
    case 'LogCoachingSession':
      return logCoachingSession(command, live);
    case 'LogJobSearchActivity':
      return logJobSearchActivity(command, live);
    case 'RecordReminderSent':
      return recordReminderSent(command, live);
    case 'RecordRemindersSent':
      return recordRemindersSent(command, live);
    case 'RecordRemindersHeld':
      return recordRemindersHeld(command);
    case 'RecordDigestSent':
      return recordDigestSent(command);
    case 'PauseEngagement':
      return pauseEngagement(command, live);
    case 'ResumeEngagement':
      return resumeEngagement(command, live);
    case 'CloseEngagement':
      return closeEngagement(command);
    default:
      return assertNever(command);
  }
}

/**
 * The engagement exists and the actor may issue this command on it, or a
 * NotFound / Forbidden. Runs first in `decide`, and before any check that
 * would reveal more (the command path's expectedVersion check): a refusal
 * reveals nothing else. Opening has its own checks (in `decide`).
 */
export function admit(command: EngagementCommand, state: EngagementState): LiveState | null {
  if (command.type === 'OpenEngagement') return null;
  // Commands carry no engagement id; the stream id is the caller's to report.
  if (!isLive(state)) throw new NotFound('Engagement', state.id ?? '');
  authorize(command, state);
  return state;
}

function openEngagement(command: OpenEngagement, state: EngagementState): EngagementEvent[] {
  const { engagementId, practiceId, coach, client, title } = command.data;
  const { actor } = command.context;
  if (state.status !== 'NONE') {
    throw new RuleViolated('ENGAGEMENT_ALREADY_EXISTS', `Engagement ${state.id ?? engagementId} already exists`);
  }
  const mayOpen = actor.role === 'ADMIN' || (actor.role === 'COACH' && actor.id === coach.id);
  if (!mayOpen) throw forbidden(actor, command.type, 'only an admin, or the coach for themself, opens an engagement');
  if (coach.id === client.id) {
    throw new RuleViolated('COACH_IS_CLIENT', 'The coach of an engagement cannot be its client');
  }
  return [
    {
      type: 'EngagementOpened',
      data: { engagementId, practiceId, coach: copyPerson(coach), client: copyPerson(client), title },
    },
  ];
}

function recordIntake(command: RecordIntake, state: LiveState): EngagementEvent[] {
  if (state.status !== 'INTAKE') {
    throw new RuleViolated('INTAKE_ALREADY_RECORDED', 'The intake of this engagement is already recorded');
  }
  const { presentingQuestion, background, goals, currentStrategy, baseline } = command.data;
  return [
    {
      type: 'IntakeRecorded',
      data: {
        presentingQuestion,
        background,
        goals: [...goals],
        currentStrategy,
        baseline: baseline.map(({ channel, applications, interviews, offers }) => ({
          channel,
          applications,
          interviews,
          offers,
        })),
      },
    },
  ];
}

function assignHomework(command: AssignHomework, state: LiveState): EngagementEvent[] {
  if (state.status === 'INTAKE') {
    throw new RuleViolated('INTAKE_REQUIRED', 'Record the intake before assigning homework');
  }
  if (state.status === 'PAUSED') {
    throw new RuleViolated('ENGAGEMENT_PAUSED', 'A paused engagement takes no new homework');
  }
  const { homeworkId, title, instructions, dueAt } = command.data;
  if (dueAt !== null && dueAt.getTime() <= command.context.now.getTime()) {
    throw new RuleViolated('DUE_DATE_IN_PAST', 'The due time must be in the future');
  }
  requireUnused(state.homework, homeworkId, 'Homework');
  if (Object.keys(state.homework).length >= LIMITS.homeworkPerEngagement) {
    throw new RuleViolated('HOMEWORK_LIMIT', `An engagement holds at most ${LIMITS.homeworkPerEngagement} homework`);
  }
  return [
    {
      type: 'HomeworkAssigned',
      data: { homeworkId, title, instructions, dueAt: dueAt === null ? null : dueAt.toISOString() },
    },
  ];
}

const SUBMITTABLE: readonly HomeworkStatus[] = ['ASSIGNED', 'CHANGES_REQUESTED'];

function submitDraft(command: SubmitDraft, state: LiveState): EngagementEvent[] {
  // Allowed while PAUSED: a pause stops new homework and reminders, not the client's work.
  const { homeworkId, draftId, content } = command.data;
  const homework = requireHomework(state, homeworkId);
  if (!SUBMITTABLE.includes(homework.status)) {
    throw new RuleViolated('HOMEWORK_NOT_OPEN', `Homework ${homeworkId} is ${homework.status}; it takes no draft`);
  }
  requireUnused(state.drafts, draftId, 'Draft');
  if (homework.draftIds.length >= LIMITS.draftsPerHomework) {
    throw new RuleViolated('DRAFT_LIMIT', `A homework takes at most ${LIMITS.draftsPerHomework} drafts`);
  }
  return [
    {
      type: 'DraftSubmitted',
      data: { homeworkId, draftId, revision: homework.draftIds.length + 1, content },
    },
  ];
}

function giveFeedback(command: GiveFeedback, state: LiveState): EngagementEvent[] {
  const { draftId, feedbackId, verdict, comments } = command.data;
  const draft = requireDraft(state, draftId);
  if (draft.feedbackGiven) {
    throw new RuleViolated('FEEDBACK_ALREADY_GIVEN', `Draft ${draftId} already has feedback`);
  }
  const homework = own(state.homework, draft.homeworkId);
  if (homework?.latestDraftId !== draftId) {
    throw new RuleViolated('NOT_LATEST_DRAFT', `Draft ${draftId} is not the latest draft of its homework`);
  }
  if (homework.status !== 'SUBMITTED') {
    throw new RuleViolated('HOMEWORK_NOT_OPEN', `Homework ${homework.id} is ${homework.status}; it takes no feedback`);
  }
  requireUnused(state.feedbackIds, feedbackId, 'Feedback');
  return [{ type: 'FeedbackGiven', data: { feedbackId, draftId, homeworkId: homework.id, verdict, comments } }];
}

function cancelHomework(command: CancelHomework, state: LiveState): EngagementEvent[] {
  const { homeworkId, reason } = command.data;
  const homework = requireHomework(state, homeworkId);
  if (!OPEN_HOMEWORK.includes(homework.status)) {
    throw new RuleViolated('HOMEWORK_NOT_OPEN', `Homework ${homeworkId} is ${homework.status}; it cannot be cancelled`);
  }
  return [{ type: 'HomeworkCancelled', data: { homeworkId, reason } }];
}

function rescheduleHomework(command: RescheduleHomework, state: LiveState): EngagementEvent[] {
  const { homeworkId, dueAt } = command.data;
  const homework = requireHomework(state, homeworkId);
  if (!OPEN_HOMEWORK.includes(homework.status)) {
    throw new RuleViolated('HOMEWORK_NOT_OPEN', `Homework ${homeworkId} is ${homework.status}; it cannot be rescheduled`);
  }
  if (dueAt.getTime() <= command.context.now.getTime()) {
    throw new RuleViolated('DUE_DATE_IN_PAST', 'The due time must be in the future');
  }
  const iso = dueAt.toISOString();
  return homework.dueAt === iso ? [] : [{ type: 'HomeworkRescheduled', data: { homeworkId, dueAt: iso } }];
}

function logCoachingSession(command: LogCoachingSession, state: LiveState): EngagementEvent[] {
  // Any status that reaches here (INTAKE, ACTIVE, PAUSED) takes a session.
  const { sessionId, heldAt, durationMinutes, summary } = command.data;
  if (heldAt.getTime() > command.context.now.getTime()) {
    throw new RuleViolated('SESSION_IN_FUTURE', 'A coaching session is logged once it has been held');
  }
  requireUnused(state.sessionIds, sessionId, 'Coaching session');
  if (Object.keys(state.sessionIds).length >= LIMITS.sessionsPerEngagement) {
    throw new RuleViolated('SESSION_LIMIT', `An engagement holds at most ${LIMITS.sessionsPerEngagement} coaching sessions`);
  }
  return [
    {
      type: 'CoachingSessionLogged',
      data: { sessionId, heldAt: heldAt.toISOString(), durationMinutes, summary },
    },
  ];
}

function logJobSearchActivity(command: LogJobSearchActivity, state: LiveState): EngagementEvent[] {
  // Any status that reaches here (INTAKE, ACTIVE, PAUSED) takes activity.
  const { activityId, channel, applications, interviews, offers, note } = command.data;
  requireUnused(state.activityIds, activityId, 'Job-search activity');
  return [
    {
      type: 'JobSearchActivityLogged',
      data: { activityId, channel, applications, interviews, offers, note },
    },
  ];
}

function recordReminderSent(command: RecordReminderSent, state: LiveState): EngagementEvent[] {
  const { reminderId, kind, recipient, channels, homeworkId, draftId } = command.data;
  const [channel] = channels;
  if (channel === undefined) {
    // Programming error of the caller, not a rule a user can hit.
    throw new Error(`RecordReminderSent ${reminderId}: channels must not be empty`);
  }
  // Delivery is at-least-once; recording the same reminder again is a no-op.
  if (Object.hasOwn(state.remindersSent, reminderId)) return [];
  return [
    {
      type: 'ReminderSent',
      data: {
        reminderId,
        kind,
        recipient: copyPerson(recipient),
        channel,
        channels: [...channels],
        homeworkId,
        draftId,
      },
    },
  ];
}

/** Each reminder not recorded yet (in the state or earlier in the same list) becomes one ReminderSent. */
function recordRemindersSent(command: RecordRemindersSent, state: LiveState): EngagementEvent[] {
  const seen = new Set<string>();
  const events: EngagementEvent[] = [];
  for (const data of command.data.reminders) {
    if (seen.has(data.reminderId)) continue;
    seen.add(data.reminderId);
    events.push(...recordReminderSent({ type: 'RecordReminderSent', data, context: command.context }, state));
  }
  return events;
}

/** Each hold is a fact of the timeline (the worker records it with the row's HELD, in one commit). */
function recordRemindersHeld(command: RecordRemindersHeld): EngagementEvent[] {
  return command.data.reminders.map((r) => ({
    type: 'ReminderHeld' as const,
    data: {
      reminderId: r.reminderId,
      kind: r.kind,
      recipient: copyPerson(r.recipient),
      homeworkId: r.homeworkId,
      heldUntil: r.heldUntil,
      reason: r.reason,
    },
  }));
}

/** A digest is a fact of the timeline of each engagement it carried (recorded with its rows, in one commit). */
function recordDigestSent(command: RecordDigestSent): EngagementEvent[] {
  const d = command.data;
  return [
    {
      type: 'DigestSent',
      data: {
        digestId: d.digestId,
        kind: d.kind,
        recipient: copyPerson(d.recipient),
        channels: [...d.channels],
        reminderIds: [...d.reminderIds],
        draftIds: [...d.draftIds],
      },
    },
  ];
}

function pauseEngagement(command: PauseEngagement, state: LiveState): EngagementEvent[] {
  if (state.status !== 'ACTIVE') {
    throw new RuleViolated('ENGAGEMENT_NOT_ACTIVE', `Only an ACTIVE engagement can be paused; this one is ${state.status}`);
  }
  return [{ type: 'EngagementPaused', data: { reason: command.data.reason } }];
}

function resumeEngagement(command: ResumeEngagement, state: LiveState): EngagementEvent[] {
  if (state.status !== 'PAUSED') {
    throw new RuleViolated('ENGAGEMENT_NOT_PAUSED', `Only a PAUSED engagement can be resumed; this one is ${state.status}`);
  }
  return [{ type: 'EngagementResumed', data: { reason: command.data.reason } }];
}

function closeEngagement(command: CloseEngagement): EngagementEvent[] {
  // INTAKE, ACTIVE and PAUSED all close; CLOSED was refused before.
  const { outcome, note } = command.data;
  return [{ type: 'EngagementClosed', data: { outcome, note } }];
}

/** Who may issue each command on an existing engagement (PRODUCT.md "Authentication and roles"). */
function authorize(command: Exclude<EngagementCommand, OpenEngagement>, state: LiveState): void {
  const { actor } = command.context;
  const isCoach = actor.role === 'COACH' && actor.id === state.coach.id;
  const isClient = actor.role === 'CLIENT' && actor.id === state.client.id;
  const isAdmin = actor.role === 'ADMIN';
  switch (command.type) {
    case 'SubmitDraft':
      if (!isClient) throw forbidden(actor, command.type, "only the engagement's client submits drafts");
      return;
    case 'GiveFeedback':
      if (!isCoach) throw forbidden(actor, command.type, "only the engagement's coach gives feedback");
      return;
    case 'LogJobSearchActivity':
      if (!(isAdmin || isCoach || isClient)) {
        throw forbidden(actor, command.type, "only an admin or the engagement's coach or client logs activity");
      }
      return;
    case 'RecordReminderSent':
    case 'RecordRemindersSent':
    case 'RecordRemindersHeld':
    case 'RecordDigestSent':
      if (actor.role !== 'SYSTEM') throw forbidden(actor, command.type, 'only the reminder system records reminders');
      return;
    case 'RecordIntake':
    case 'AssignHomework':
    case 'CancelHomework':
    case 'RescheduleHomework':
    case 'LogCoachingSession':
    case 'PauseEngagement':
    case 'ResumeEngagement':
    case 'CloseEngagement':
      if (!(isAdmin || isCoach)) throw forbidden(actor, command.type, "only an admin or the engagement's coach may");
      return;
    default:
      return assertNever(command);
  }
}

function forbidden(actor: Actor, action: EngagementCommand['type'], why: string): Forbidden {
  return new Forbidden(`${actor.role} ${actor.id} may not ${action}: ${why}`);
}

function requireHomework(state: LiveState, homeworkId: string): HomeworkState {
  const homework = own(state.homework, homeworkId);
  if (homework === undefined) throw new NotFound('Homework', homeworkId);
  return homework;
}

function requireDraft(state: LiveState, draftId: string): DraftState {
  const draft = own(state.drafts, draftId);
  if (draft === undefined) throw new NotFound('Draft', draftId);
  return draft;
}

function requireUnused(known: Record<string, unknown>, id: string, what: string): void {
  if (Object.hasOwn(known, id)) throw new RuleViolated('DUPLICATE_ID', `${what} id ${id} is already used`);
}

/** Ids come from callers; `constructor` or `__proto__` must not find Object.prototype's members. */
function own<T>(record: Record<string, T>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

/** A person as the event keeps them; the time zone only when given (older events have none: UTC). */
function copyPerson({ id, name, email, timezone }: Person): Person {
  return timezone ? { id, name, email, timezone } : { id, name, email };
}

// ---------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------

/**
 * Applies one stored event. Events are facts, so evolve never refuses one; an
 * event naming an entity the state does not know leaves that entity alone.
 * Never mutates `state`: every changed branch is a new object.
 */
export function evolve(state: EngagementState, event: EngagementEvent): EngagementState {
  switch (event.type) {
    case 'EngagementOpened': {
      const { engagementId, practiceId, coach, client, title } = event.data;
      return {
        ...state,
        status: 'INTAKE',
        id: engagementId,
        practiceId,
        coach: copyPerson(coach),
        client: copyPerson(client),
        title,
      };
    }
    case 'IntakeRecorded':
      return { ...state, status: 'ACTIVE' };
    case 'HomeworkAssigned': {
      const { homeworkId, title, dueAt } = event.data;
      const homework: HomeworkState = {
        id: homeworkId,
        title,
        status: 'ASSIGNED',
        dueAt,
        draftIds: [],
        latestDraftId: null,
      };
      return { ...state, homework: { ...state.homework, [homeworkId]: homework } };
    }
    case 'DraftSubmitted': {
      const { homeworkId, draftId, revision } = event.data;
      const draft: DraftState = { id: draftId, homeworkId, revision, feedbackGiven: false };
      return {
        ...updateHomework(state, homeworkId, (h) => ({
          ...h,
          status: 'SUBMITTED',
          draftIds: [...h.draftIds, draftId],
          latestDraftId: draftId,
        })),
        drafts: { ...state.drafts, [draftId]: draft },
      };
    }
    case 'FeedbackGiven': {
      const { feedbackId, draftId, homeworkId, verdict } = event.data;
      const next = updateHomework(state, homeworkId, (h) => ({ ...h, status: verdict }));
      const draft = own(state.drafts, draftId);
      return {
        ...next,
        drafts: draft === undefined ? state.drafts : { ...state.drafts, [draftId]: { ...draft, feedbackGiven: true } },
        feedbackIds: { ...state.feedbackIds, [feedbackId]: true },
      };
    }
    case 'HomeworkCancelled':
      return updateHomework(state, event.data.homeworkId, (h) => ({ ...h, status: 'CANCELLED' }));
    case 'HomeworkRescheduled':
      return updateHomework(state, event.data.homeworkId, (h) => ({ ...h, dueAt: event.data.dueAt }));
    case 'CoachingSessionLogged':
      return { ...state, sessionIds: { ...state.sessionIds, [event.data.sessionId]: true } };
    case 'JobSearchActivityLogged':
      return { ...state, activityIds: { ...state.activityIds, [event.data.activityId]: true } };
    case 'ReminderSent':
      return { ...state, remindersSent: { ...state.remindersSent, [event.data.reminderId]: true } };
    case 'ReminderHeld':
    case 'DigestSent':
      // a fact of the timeline; the decisions it could affect are the reminder worker's
      return { ...state };
    case 'EngagementPaused':
      return { ...state, status: 'PAUSED' };
    case 'EngagementResumed':
      return { ...state, status: 'ACTIVE' };
    case 'EngagementClosed':
      return { ...state, status: 'CLOSED' };
    default:
      return assertNever(event);
  }
}

function updateHomework(
  state: EngagementState,
  homeworkId: string,
  change: (homework: HomeworkState) => HomeworkState,
): EngagementState {
  const homework = own(state.homework, homeworkId);
  if (homework === undefined) return state;
  return { ...state, homework: { ...state.homework, [homeworkId]: change(homework) } };
}

/** The state of a stream from its events, oldest first. */
export function fold(events: readonly EngagementEvent[]): EngagementState {
  return events.reduce<EngagementState>((state, event) => evolve(state, event), initialState());
}
