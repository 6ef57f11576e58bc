import { graphql } from '../gql';

// Every operation the console sends: GraphQL Code Generator types them from apps/api/schema.gql.

export const ViewerQuery = graphql(`
  query Viewer {
    viewer { id practiceId role }
  }
`);

export const OverviewQuery = graphql(`
  query Overview($days: Int!) {
    practiceDashboard {
      engagementsByStatus { status count }
      awaitingFeedback
      openHomework
      overdueHomework
      remindersSent
      feedbackTurnaroundHoursP50
      feedbackTurnaroundHoursP90
      coaches { coach { id name } activeEngagements awaitingFeedback overdueHomework }
      activity(days: $days) { day eventType events }
      jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
      intakeBaseline { applications interviews interviewRate channels { channel applications interviews interviewRate } }
      reminderOutcomes(days: $days) { day sent failed cancelled }
    }
  }
`);

export const CoachesQuery = graphql(`
  query Coaches {
    practiceDashboard { coaches { coach { id name } } }
  }
`);

export const EngagementsQuery = graphql(`
  query Engagements($first: Int!, $after: String, $filter: EngagementFilter) {
    engagements(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id title status updatedAt
          client { id name }
          coach { id name }
          openHomeworkCount overdueHomeworkCount awaitingFeedbackCount
        }
      }
    }
  }
`);

export const FeedbackQueueQuery = graphql(`
  query FeedbackQueue {
    engagements(first: 100, filter: { status: [ACTIVE, PAUSED] }) {
      edges {
        node {
          id title
          client { id name }
          homework(status: [SUBMITTED]) { id title latestDraft { id revision submittedAt } }
        }
      }
    }
  }
`);

/** What the engagement page shows, live or as it stood at a past version (asOf is null when live). */
export const EngagementViewFragment = graphql(`
  fragment EngagementView on Engagement {
    id title status version openedAt closedAt outcome asOf
    client { id name email }
    coach { id name email }
    intake { presentingQuestion background currentStrategy goals recordedAt
      baseline { channel applications interviews offers interviewRate } }
    homework {
      id title instructions status dueAt overdue assignedAt
      drafts { id revision content submittedAt feedback { id verdict comments givenAt givenBy { id name } } }
    }
    sessions { id heldAt durationMinutes summary }
    jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
    timeline(first: 100) { edges { node { version type actorId actorRole occurredAt } } pageInfo { hasNextPage } }
  }
`);

export const EngagementQuery = graphql(`
  query Engagement($id: ID!) {
    engagement(id: $id) { ...EngagementView }
  }
`);

/** The time slider: the engagement after one version of its stream, and what changed from there to now. */
export const EngagementAsOfQuery = graphql(`
  query EngagementAsOf($id: ID!, $asOfVersion: Int!, $changesTo: Int!) {
    past: engagement(id: $id, asOfVersion: $asOfVersion) { ...EngagementView }
    live: engagement(id: $id) {
      id version
      changes(fromVersion: $asOfVersion, toVersion: $changesTo) { version path before after actorId occurredAt }
    }
  }
`);

export const MyEngagementsQuery = graphql(`
  query MyEngagements {
    engagements(first: 50) {
      edges {
        node {
          id title status version
          coach { id name }
          homework {
            id title instructions status dueAt overdue
            drafts { id revision content submittedAt feedback { id verdict comments givenAt } }
          }
          jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
        }
      }
    }
  }
`);

export const GiveFeedbackMutation = graphql(`
  mutation GiveFeedback($input: GiveFeedbackInput!) {
    giveFeedback(input: $input) { id verdict comments givenAt }
  }
`);

export const SubmitDraftMutation = graphql(`
  mutation SubmitDraft($input: SubmitDraftInput!) {
    submitDraft(input: $input) { id revision submittedAt }
  }
`);

export const LogJobSearchActivityMutation = graphql(`
  mutation LogJobSearchActivity($input: LogJobSearchActivityInput!) {
    logJobSearchActivity(input: $input) { id jobSearch { applications interviews offers interviewRate } }
  }
`);

export const SettingsQuery = graphql(`
  query Settings {
    practiceSettings { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }
  }
`);

export const UpdateSettingsMutation = graphql(`
  mutation UpdateSettings($input: UpdatePracticeSettingsInput!) {
    updatePracticeSettings(input: $input) { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }
  }
`);

export const SendTestDeliveryMutation = graphql(`
  mutation SendTestDelivery {
    sendTestWebhookDelivery { url deliveryId delivered status body error durationMs }
  }
`);

export const AccessAuditQuery = graphql(`
  query AccessAudit($first: Int!, $after: String) {
    accessAudit(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id actorId actorRole engagementId operation operationName occurredAt requestId } }
    }
  }
`);

export const EngagementEventsSubscription = graphql(`
  subscription EngagementEvents($engagementId: ID!) {
    engagementEvents(engagementId: $engagementId) { version type actorId actorRole occurredAt }
  }
`);
