/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type EngagementFilter = {
  clientId?: string | number | null | undefined;
  coachId?: string | number | null | undefined;
  hasOverdueHomework?: boolean | null | undefined;
  /** matches title, coach name or client name */
  search?: string | null | undefined;
  status?: Array<EngagementStatus> | null | undefined;
};

export type EngagementOutcome =
  | 'CLIENT_WITHDREW'
  | 'COACH_ENDED'
  | 'GOALS_MET'
  | 'OTHER'
  | 'ROLE_ACCEPTED';

export type EngagementStatus =
  | 'ACTIVE'
  | 'CLOSED'
  /** opened, intake not yet recorded */
  | 'INTAKE'
  | 'PAUSED';

/** a step's channels (as the practice's settings allow) */
export type EscalationChannel =
  | 'BOTH'
  | 'EMAIL'
  | 'WEBHOOK';

export type EscalationStepInput = {
  /** minutes after the homework went overdue (its HOMEWORK_OVERDUE time) */
  afterMinutes: number;
  /** absent: every channel the practice's settings allow */
  channel?: EscalationChannel | null | undefined;
  notify: EscalationTarget;
};

/** who a step of the escalation ladder notifies (ADMIN: the practice's escalation contact) */
export type EscalationTarget =
  | 'ADMIN'
  | 'CLIENT'
  | 'COACH';

export type FeedbackVerdict =
  | 'ACCEPTED'
  | 'CHANGES_REQUESTED';

export type GiveFeedbackInput = {
  comments: string;
  draftId: string | number;
  idempotencyKey?: string | null | undefined;
  verdict: FeedbackVerdict;
};

export type HomeworkStatus =
  | 'ACCEPTED'
  /** set, no draft yet */
  | 'ASSIGNED'
  | 'CANCELLED'
  /** coach asked for another draft */
  | 'CHANGES_REQUESTED'
  /** latest draft awaits the coach's feedback */
  | 'SUBMITTED';

export type JobSearchChannel =
  | 'DIRECT_APPLICATION'
  | 'JOB_BOARD'
  | 'NETWORKING'
  | 'OTHER'
  | 'RECRUITER'
  | 'REFERRAL';

export type LogJobSearchActivityInput = {
  applications: number;
  channel: JobSearchChannel;
  engagementId: string | number;
  idempotencyKey?: string | null | undefined;
  interviews: number;
  note?: string | null | undefined;
  offers?: number | null | undefined;
};

export type QuietHoursInput = {
  /** "HH:MM", when it closes; earlier than start: the window spans midnight */
  end: string;
  /** "HH:MM", when the window opens (the recipient's local time) */
  start: string;
};

export type Role =
  | 'ADMIN'
  | 'CLIENT'
  | 'COACH'
  /** the service itself, e.g. a reminder job */
  | 'SYSTEM';

export type SubmitDraftInput = {
  content: string;
  homeworkId: string | number;
  idempotencyKey?: string | null | undefined;
};

export type UpdatePracticeSettingsInput = {
  dueSoonOffsetsMinutes?: Array<number> | null | undefined;
  emailReminders?: boolean | null | undefined;
  /** replaces the whole ladder; [] turns escalation off */
  escalation?: Array<EscalationStepInput> | null | undefined;
  /** where ADMIN steps are emailed; '' clears it (ADMIN steps then go by webhook only) */
  escalationEmail?: string | null | undefined;
  feedbackWindowMinutes?: number | null | undefined;
  overdueAfterMinutes?: number | null | undefined;
  /** null: no quiet hours */
  quietHours?: QuietHoursInput | null | undefined;
  webhookSecret?: string | null | undefined;
  webhookUrl?: string | null | undefined;
};

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { id: string, practiceId: string, role: Role } };

export type OverviewQueryVariables = Exact<{
  days: number;
}>;


export type OverviewQuery = { practiceDashboard: { awaitingFeedback: number, openHomework: number, overdueHomework: number, remindersSent: number, feedbackTurnaroundHoursP50: number | null, feedbackTurnaroundHoursP90: number | null, engagementsByStatus: Array<{ status: EngagementStatus, count: number }>, coaches: Array<{ activeEngagements: number, awaitingFeedback: number, overdueHomework: number, coach: { id: string, name: string } }>, activity: Array<{ day: string, eventType: string, events: number }>, jobSearch: { applications: number, interviews: number, offers: number, interviewRate: number | null, channels: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> }, intakeBaseline: { applications: number, interviews: number, interviewRate: number | null, channels: Array<{ channel: JobSearchChannel, applications: number, interviews: number, interviewRate: number | null }> }, reminderOutcomes: Array<{ day: string, sent: number, failed: number, cancelled: number }> } };

export type CoachesQueryVariables = Exact<{ [key: string]: never; }>;


export type CoachesQuery = { practiceDashboard: { coaches: Array<{ coach: { id: string, name: string } }> } };

export type EngagementsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: EngagementFilter | null | undefined;
}>;


export type EngagementsQuery = { engagements: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, title: string, status: EngagementStatus, updatedAt: string, openHomeworkCount: number, overdueHomeworkCount: number, awaitingFeedbackCount: number, client: { id: string, name: string }, coach: { id: string, name: string } } }> } };

export type FeedbackQueueQueryVariables = Exact<{ [key: string]: never; }>;


export type FeedbackQueueQuery = { engagements: { edges: Array<{ node: { id: string, title: string, client: { id: string, name: string }, homework: Array<{ id: string, title: string, latestDraft: { id: string, revision: number, submittedAt: string } | null }> } }> } };

export type EngagementViewFragment = { id: string, title: string, status: EngagementStatus, version: number, openedAt: string, closedAt: string | null, outcome: EngagementOutcome | null, asOf: string | null, client: { id: string, name: string, email: string | null }, coach: { id: string, name: string, email: string | null }, intake: { presentingQuestion: string, background: string, currentStrategy: string, goals: Array<string>, recordedAt: string, baseline: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> } | null, homework: Array<{ id: string, title: string, instructions: string, status: HomeworkStatus, dueAt: string | null, overdue: boolean, assignedAt: string, drafts: Array<{ id: string, revision: number, content: string, submittedAt: string, feedback: { id: string, verdict: FeedbackVerdict, comments: string, givenAt: string, givenBy: { id: string, name: string } } | null }> }>, sessions: Array<{ id: string, heldAt: string, durationMinutes: number, summary: string }>, jobSearch: { applications: number, interviews: number, offers: number, interviewRate: number | null, channels: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> }, timeline: { edges: Array<{ node: { version: number, type: string, actorId: string, actorRole: Role, occurredAt: string } }>, pageInfo: { hasNextPage: boolean } } };

export type EngagementQueryVariables = Exact<{
  id: string | number;
}>;


export type EngagementQuery = { engagement: { id: string, title: string, status: EngagementStatus, version: number, openedAt: string, closedAt: string | null, outcome: EngagementOutcome | null, asOf: string | null, client: { id: string, name: string, email: string | null }, coach: { id: string, name: string, email: string | null }, intake: { presentingQuestion: string, background: string, currentStrategy: string, goals: Array<string>, recordedAt: string, baseline: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> } | null, homework: Array<{ id: string, title: string, instructions: string, status: HomeworkStatus, dueAt: string | null, overdue: boolean, assignedAt: string, drafts: Array<{ id: string, revision: number, content: string, submittedAt: string, feedback: { id: string, verdict: FeedbackVerdict, comments: string, givenAt: string, givenBy: { id: string, name: string } } | null }> }>, sessions: Array<{ id: string, heldAt: string, durationMinutes: number, summary: string }>, jobSearch: { applications: number, interviews: number, offers: number, interviewRate: number | null, channels: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> }, timeline: { edges: Array<{ node: { version: number, type: string, actorId: string, actorRole: Role, occurredAt: string } }>, pageInfo: { hasNextPage: boolean } } } | null };

export type EngagementAsOfQueryVariables = Exact<{
  id: string | number;
  asOfVersion: number;
  changesTo: number;
}>;


export type EngagementAsOfQuery = { past: { id: string, title: string, status: EngagementStatus, version: number, openedAt: string, closedAt: string | null, outcome: EngagementOutcome | null, asOf: string | null, client: { id: string, name: string, email: string | null }, coach: { id: string, name: string, email: string | null }, intake: { presentingQuestion: string, background: string, currentStrategy: string, goals: Array<string>, recordedAt: string, baseline: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> } | null, homework: Array<{ id: string, title: string, instructions: string, status: HomeworkStatus, dueAt: string | null, overdue: boolean, assignedAt: string, drafts: Array<{ id: string, revision: number, content: string, submittedAt: string, feedback: { id: string, verdict: FeedbackVerdict, comments: string, givenAt: string, givenBy: { id: string, name: string } } | null }> }>, sessions: Array<{ id: string, heldAt: string, durationMinutes: number, summary: string }>, jobSearch: { applications: number, interviews: number, offers: number, interviewRate: number | null, channels: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> }, timeline: { edges: Array<{ node: { version: number, type: string, actorId: string, actorRole: Role, occurredAt: string } }>, pageInfo: { hasNextPage: boolean } } } | null, live: { id: string, version: number, changes: Array<{ version: number, path: string, before: unknown, after: unknown, actorId: string, occurredAt: string }> } | null };

export type MyEngagementsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyEngagementsQuery = { engagements: { edges: Array<{ node: { id: string, title: string, status: EngagementStatus, version: number, coach: { id: string, name: string }, homework: Array<{ id: string, title: string, instructions: string, status: HomeworkStatus, dueAt: string | null, overdue: boolean, drafts: Array<{ id: string, revision: number, content: string, submittedAt: string, feedback: { id: string, verdict: FeedbackVerdict, comments: string, givenAt: string } | null }> }>, jobSearch: { applications: number, interviews: number, offers: number, interviewRate: number | null, channels: Array<{ channel: JobSearchChannel, applications: number, interviews: number, offers: number, interviewRate: number | null }> } } }> } };

export type GiveFeedbackMutationVariables = Exact<{
  input: GiveFeedbackInput;
}>;


export type GiveFeedbackMutation = { giveFeedback: { id: string, verdict: FeedbackVerdict, comments: string, givenAt: string } };

export type SubmitDraftMutationVariables = Exact<{
  input: SubmitDraftInput;
}>;


export type SubmitDraftMutation = { submitDraft: { id: string, revision: number, submittedAt: string } };

export type LogJobSearchActivityMutationVariables = Exact<{
  input: LogJobSearchActivityInput;
}>;


export type LogJobSearchActivityMutation = { logJobSearchActivity: { id: string, jobSearch: { applications: number, interviews: number, offers: number, interviewRate: number | null } } };

export type SettingsQueryVariables = Exact<{ [key: string]: never; }>;


export type SettingsQuery = { practiceSettings: { webhookUrl: string | null, webhookSecretSet: boolean, emailReminders: boolean, dueSoonOffsetsMinutes: Array<number>, overdueAfterMinutes: number, feedbackWindowMinutes: number } };

export type UpdateSettingsMutationVariables = Exact<{
  input: UpdatePracticeSettingsInput;
}>;


export type UpdateSettingsMutation = { updatePracticeSettings: { webhookUrl: string | null, webhookSecretSet: boolean, emailReminders: boolean, dueSoonOffsetsMinutes: Array<number>, overdueAfterMinutes: number, feedbackWindowMinutes: number } };

export type SendTestDeliveryMutationVariables = Exact<{ [key: string]: never; }>;


export type SendTestDeliveryMutation = { sendTestWebhookDelivery: { url: string, deliveryId: string, delivered: boolean, status: number | null, body: string, error: string | null, durationMs: number } };

export type AccessAuditQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type AccessAuditQuery = { accessAudit: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, actorId: string, actorRole: Role, engagementId: string, operation: string, operationName: string | null, occurredAt: string, requestId: string } }> } };

export type EngagementEventsSubscriptionVariables = Exact<{
  engagementId: string | number;
}>;


export type EngagementEventsSubscription = { engagementEvents: { version: number, type: string, actorId: string, actorRole: Role, occurredAt: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const EngagementViewFragmentDoc = new TypedDocumentString(`
    fragment EngagementView on Engagement {
  id
  title
  status
  version
  openedAt
  closedAt
  outcome
  asOf
  client {
    id
    name
    email
  }
  coach {
    id
    name
    email
  }
  intake {
    presentingQuestion
    background
    currentStrategy
    goals
    recordedAt
    baseline {
      channel
      applications
      interviews
      offers
      interviewRate
    }
  }
  homework {
    id
    title
    instructions
    status
    dueAt
    overdue
    assignedAt
    drafts {
      id
      revision
      content
      submittedAt
      feedback {
        id
        verdict
        comments
        givenAt
        givenBy {
          id
          name
        }
      }
    }
  }
  sessions {
    id
    heldAt
    durationMinutes
    summary
  }
  jobSearch {
    applications
    interviews
    offers
    interviewRate
    channels {
      channel
      applications
      interviews
      offers
      interviewRate
    }
  }
  timeline(first: 100) {
    edges {
      node {
        version
        type
        actorId
        actorRole
        occurredAt
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}
    `, {"fragmentName":"EngagementView"}) as unknown as TypedDocumentString<EngagementViewFragment, unknown>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    id
    practiceId
    role
  }
}
    `) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const OverviewDocument = new TypedDocumentString(`
    query Overview($days: Int!) {
  practiceDashboard {
    engagementsByStatus {
      status
      count
    }
    awaitingFeedback
    openHomework
    overdueHomework
    remindersSent
    feedbackTurnaroundHoursP50
    feedbackTurnaroundHoursP90
    coaches {
      coach {
        id
        name
      }
      activeEngagements
      awaitingFeedback
      overdueHomework
    }
    activity(days: $days) {
      day
      eventType
      events
    }
    jobSearch {
      applications
      interviews
      offers
      interviewRate
      channels {
        channel
        applications
        interviews
        offers
        interviewRate
      }
    }
    intakeBaseline {
      applications
      interviews
      interviewRate
      channels {
        channel
        applications
        interviews
        interviewRate
      }
    }
    reminderOutcomes(days: $days) {
      day
      sent
      failed
      cancelled
    }
  }
}
    `) as unknown as TypedDocumentString<OverviewQuery, OverviewQueryVariables>;
export const CoachesDocument = new TypedDocumentString(`
    query Coaches {
  practiceDashboard {
    coaches {
      coach {
        id
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CoachesQuery, CoachesQueryVariables>;
export const EngagementsDocument = new TypedDocumentString(`
    query Engagements($first: Int!, $after: String, $filter: EngagementFilter) {
  engagements(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        title
        status
        updatedAt
        client {
          id
          name
        }
        coach {
          id
          name
        }
        openHomeworkCount
        overdueHomeworkCount
        awaitingFeedbackCount
      }
    }
  }
}
    `) as unknown as TypedDocumentString<EngagementsQuery, EngagementsQueryVariables>;
export const FeedbackQueueDocument = new TypedDocumentString(`
    query FeedbackQueue {
  engagements(first: 100, filter: {status: [ACTIVE, PAUSED]}) {
    edges {
      node {
        id
        title
        client {
          id
          name
        }
        homework(status: [SUBMITTED]) {
          id
          title
          latestDraft {
            id
            revision
            submittedAt
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<FeedbackQueueQuery, FeedbackQueueQueryVariables>;
export const EngagementDocument = new TypedDocumentString(`
    query Engagement($id: ID!) {
  engagement(id: $id) {
    ...EngagementView
  }
}
    fragment EngagementView on Engagement {
  id
  title
  status
  version
  openedAt
  closedAt
  outcome
  asOf
  client {
    id
    name
    email
  }
  coach {
    id
    name
    email
  }
  intake {
    presentingQuestion
    background
    currentStrategy
    goals
    recordedAt
    baseline {
      channel
      applications
      interviews
      offers
      interviewRate
    }
  }
  homework {
    id
    title
    instructions
    status
    dueAt
    overdue
    assignedAt
    drafts {
      id
      revision
      content
      submittedAt
      feedback {
        id
        verdict
        comments
        givenAt
        givenBy {
          id
          name
        }
      }
    }
  }
  sessions {
    id
    heldAt
    durationMinutes
    summary
  }
  jobSearch {
    applications
    interviews
    offers
    interviewRate
    channels {
      channel
      applications
      interviews
      offers
      interviewRate
    }
  }
  timeline(first: 100) {
    edges {
      node {
        version
        type
        actorId
        actorRole
        occurredAt
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}`) as unknown as TypedDocumentString<EngagementQuery, EngagementQueryVariables>;
export const EngagementAsOfDocument = new TypedDocumentString(`
    query EngagementAsOf($id: ID!, $asOfVersion: Int!, $changesTo: Int!) {
  past: engagement(id: $id, asOfVersion: $asOfVersion) {
    ...EngagementView
  }
  live: engagement(id: $id) {
    id
    version
    changes(fromVersion: $asOfVersion, toVersion: $changesTo) {
      version
      path
      before
      after
      actorId
      occurredAt
    }
  }
}
    fragment EngagementView on Engagement {
  id
  title
  status
  version
  openedAt
  closedAt
  outcome
  asOf
  client {
    id
    name
    email
  }
  coach {
    id
    name
    email
  }
  intake {
    presentingQuestion
    background
    currentStrategy
    goals
    recordedAt
    baseline {
      channel
      applications
      interviews
      offers
      interviewRate
    }
  }
  homework {
    id
    title
    instructions
    status
    dueAt
    overdue
    assignedAt
    drafts {
      id
      revision
      content
      submittedAt
      feedback {
        id
        verdict
        comments
        givenAt
        givenBy {
          id
          name
        }
      }
    }
  }
  sessions {
    id
    heldAt
    durationMinutes
    summary
  }
  jobSearch {
    applications
    interviews
    offers
    interviewRate
    channels {
      channel
      applications
      interviews
      offers
      interviewRate
    }
  }
  timeline(first: 100) {
    edges {
      node {
        version
        type
        actorId
        actorRole
        occurredAt
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}`) as unknown as TypedDocumentString<EngagementAsOfQuery, EngagementAsOfQueryVariables>;
export const MyEngagementsDocument = new TypedDocumentString(`
    query MyEngagements {
  engagements(first: 50) {
    edges {
      node {
        id
        title
        status
        version
        coach {
          id
          name
        }
        homework {
          id
          title
          instructions
          status
          dueAt
          overdue
          drafts {
            id
            revision
            content
            submittedAt
            feedback {
              id
              verdict
              comments
              givenAt
            }
          }
        }
        jobSearch {
          applications
          interviews
          offers
          interviewRate
          channels {
            channel
            applications
            interviews
            offers
            interviewRate
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MyEngagementsQuery, MyEngagementsQueryVariables>;
export const GiveFeedbackDocument = new TypedDocumentString(`
    mutation GiveFeedback($input: GiveFeedbackInput!) {
  giveFeedback(input: $input) {
    id
    verdict
    comments
    givenAt
  }
}
    `) as unknown as TypedDocumentString<GiveFeedbackMutation, GiveFeedbackMutationVariables>;
export const SubmitDraftDocument = new TypedDocumentString(`
    mutation SubmitDraft($input: SubmitDraftInput!) {
  submitDraft(input: $input) {
    id
    revision
    submittedAt
  }
}
    `) as unknown as TypedDocumentString<SubmitDraftMutation, SubmitDraftMutationVariables>;
export const LogJobSearchActivityDocument = new TypedDocumentString(`
    mutation LogJobSearchActivity($input: LogJobSearchActivityInput!) {
  logJobSearchActivity(input: $input) {
    id
    jobSearch {
      applications
      interviews
      offers
      interviewRate
    }
  }
}
    `) as unknown as TypedDocumentString<LogJobSearchActivityMutation, LogJobSearchActivityMutationVariables>;
export const SettingsDocument = new TypedDocumentString(`
    query Settings {
  practiceSettings {
    webhookUrl
    webhookSecretSet
    emailReminders
    dueSoonOffsetsMinutes
    overdueAfterMinutes
    feedbackWindowMinutes
  }
}
    `) as unknown as TypedDocumentString<SettingsQuery, SettingsQueryVariables>;
export const UpdateSettingsDocument = new TypedDocumentString(`
    mutation UpdateSettings($input: UpdatePracticeSettingsInput!) {
  updatePracticeSettings(input: $input) {
    webhookUrl
    webhookSecretSet
    emailReminders
    dueSoonOffsetsMinutes
    overdueAfterMinutes
    feedbackWindowMinutes
  }
}
    `) as unknown as TypedDocumentString<UpdateSettingsMutation, UpdateSettingsMutationVariables>;
export const SendTestDeliveryDocument = new TypedDocumentString(`
    mutation SendTestDelivery {
  sendTestWebhookDelivery {
    url
    deliveryId
    delivered
    status
    body
    error
    durationMs
  }
}
    `) as unknown as TypedDocumentString<SendTestDeliveryMutation, SendTestDeliveryMutationVariables>;
export const AccessAuditDocument = new TypedDocumentString(`
    query AccessAudit($first: Int!, $after: String) {
  accessAudit(first: $first, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        actorId
        actorRole
        engagementId
        operation
        operationName
        occurredAt
        requestId
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AccessAuditQuery, AccessAuditQueryVariables>;
export const EngagementEventsDocument = new TypedDocumentString(`
    subscription EngagementEvents($engagementId: ID!) {
  engagementEvents(engagementId: $engagementId) {
    version
    type
    actorId
    actorRole
    occurredAt
  }
}
    `) as unknown as TypedDocumentString<EngagementEventsSubscription, EngagementEventsSubscriptionVariables>;