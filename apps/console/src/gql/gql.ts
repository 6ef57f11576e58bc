/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Viewer {\n    viewer { id practiceId role }\n  }\n": typeof types.ViewerDocument,
    "\n  query Overview($days: Int!) {\n    practiceDashboard {\n      engagementsByStatus { status count }\n      awaitingFeedback\n      openHomework\n      overdueHomework\n      remindersSent\n      feedbackTurnaroundHoursP50\n      feedbackTurnaroundHoursP90\n      coaches { coach { id name } activeEngagements awaitingFeedback overdueHomework }\n      activity(days: $days) { day eventType events }\n      jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n      intakeBaseline { applications interviews interviewRate channels { channel applications interviews interviewRate } }\n      reminderOutcomes(days: $days) { day sent failed cancelled }\n    }\n  }\n": typeof types.OverviewDocument,
    "\n  query Coaches {\n    practiceDashboard { coaches { coach { id name } } }\n  }\n": typeof types.CoachesDocument,
    "\n  query Engagements($first: Int!, $after: String, $filter: EngagementFilter) {\n    engagements(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id title status updatedAt\n          client { id name }\n          coach { id name }\n          openHomeworkCount overdueHomeworkCount awaitingFeedbackCount\n        }\n      }\n    }\n  }\n": typeof types.EngagementsDocument,
    "\n  query FeedbackQueue {\n    engagements(first: 100, filter: { status: [ACTIVE, PAUSED] }) {\n      edges {\n        node {\n          id title\n          client { id name }\n          homework(status: [SUBMITTED]) { id title latestDraft { id revision submittedAt } }\n        }\n      }\n    }\n  }\n": typeof types.FeedbackQueueDocument,
    "\n  fragment EngagementView on Engagement {\n    id title status version openedAt closedAt outcome asOf\n    client { id name email }\n    coach { id name email }\n    intake { presentingQuestion background currentStrategy goals recordedAt\n      baseline { channel applications interviews offers interviewRate } }\n    homework {\n      id title instructions status dueAt overdue assignedAt\n      drafts { id revision content submittedAt feedback { id verdict comments givenAt givenBy { id name } } }\n    }\n    sessions { id heldAt durationMinutes summary }\n    jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n    timeline(first: 100) { edges { node { version type actorId actorRole occurredAt } } pageInfo { hasNextPage } }\n  }\n": typeof types.EngagementViewFragmentDoc,
    "\n  query Engagement($id: ID!) {\n    engagement(id: $id) { ...EngagementView }\n  }\n": typeof types.EngagementDocument,
    "\n  query EngagementAsOf($id: ID!, $asOfVersion: Int!, $changesTo: Int!) {\n    past: engagement(id: $id, asOfVersion: $asOfVersion) { ...EngagementView }\n    live: engagement(id: $id) {\n      id version\n      changes(fromVersion: $asOfVersion, toVersion: $changesTo) { version path before after actorId occurredAt }\n    }\n  }\n": typeof types.EngagementAsOfDocument,
    "\n  query MyEngagements {\n    engagements(first: 50) {\n      edges {\n        node {\n          id title status version\n          coach { id name }\n          homework {\n            id title instructions status dueAt overdue\n            drafts { id revision content submittedAt feedback { id verdict comments givenAt } }\n          }\n          jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n        }\n      }\n    }\n  }\n": typeof types.MyEngagementsDocument,
    "\n  mutation GiveFeedback($input: GiveFeedbackInput!) {\n    giveFeedback(input: $input) { id verdict comments givenAt }\n  }\n": typeof types.GiveFeedbackDocument,
    "\n  mutation SubmitDraft($input: SubmitDraftInput!) {\n    submitDraft(input: $input) { id revision submittedAt }\n  }\n": typeof types.SubmitDraftDocument,
    "\n  mutation LogJobSearchActivity($input: LogJobSearchActivityInput!) {\n    logJobSearchActivity(input: $input) { id jobSearch { applications interviews offers interviewRate } }\n  }\n": typeof types.LogJobSearchActivityDocument,
    "\n  query Settings {\n    practiceSettings { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }\n  }\n": typeof types.SettingsDocument,
    "\n  mutation UpdateSettings($input: UpdatePracticeSettingsInput!) {\n    updatePracticeSettings(input: $input) { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }\n  }\n": typeof types.UpdateSettingsDocument,
    "\n  mutation SendTestDelivery {\n    sendTestWebhookDelivery { url deliveryId delivered status body error durationMs }\n  }\n": typeof types.SendTestDeliveryDocument,
    "\n  query AccessAudit($first: Int!, $after: String) {\n    accessAudit(first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id actorId actorRole engagementId operation operationName occurredAt requestId } }\n    }\n  }\n": typeof types.AccessAuditDocument,
    "\n  subscription EngagementEvents($engagementId: ID!) {\n    engagementEvents(engagementId: $engagementId) { version type actorId actorRole occurredAt }\n  }\n": typeof types.EngagementEventsDocument,
};
const documents: Documents = {
    "\n  query Viewer {\n    viewer { id practiceId role }\n  }\n": types.ViewerDocument,
    "\n  query Overview($days: Int!) {\n    practiceDashboard {\n      engagementsByStatus { status count }\n      awaitingFeedback\n      openHomework\n      overdueHomework\n      remindersSent\n      feedbackTurnaroundHoursP50\n      feedbackTurnaroundHoursP90\n      coaches { coach { id name } activeEngagements awaitingFeedback overdueHomework }\n      activity(days: $days) { day eventType events }\n      jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n      intakeBaseline { applications interviews interviewRate channels { channel applications interviews interviewRate } }\n      reminderOutcomes(days: $days) { day sent failed cancelled }\n    }\n  }\n": types.OverviewDocument,
    "\n  query Coaches {\n    practiceDashboard { coaches { coach { id name } } }\n  }\n": types.CoachesDocument,
    "\n  query Engagements($first: Int!, $after: String, $filter: EngagementFilter) {\n    engagements(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id title status updatedAt\n          client { id name }\n          coach { id name }\n          openHomeworkCount overdueHomeworkCount awaitingFeedbackCount\n        }\n      }\n    }\n  }\n": types.EngagementsDocument,
    "\n  query FeedbackQueue {\n    engagements(first: 100, filter: { status: [ACTIVE, PAUSED] }) {\n      edges {\n        node {\n          id title\n          client { id name }\n          homework(status: [SUBMITTED]) { id title latestDraft { id revision submittedAt } }\n        }\n      }\n    }\n  }\n": types.FeedbackQueueDocument,
    "\n  fragment EngagementView on Engagement {\n    id title status version openedAt closedAt outcome asOf\n    client { id name email }\n    coach { id name email }\n    intake { presentingQuestion background currentStrategy goals recordedAt\n      baseline { channel applications interviews offers interviewRate } }\n    homework {\n      id title instructions status dueAt overdue assignedAt\n      drafts { id revision content submittedAt feedback { id verdict comments givenAt givenBy { id name } } }\n    }\n    sessions { id heldAt durationMinutes summary }\n    jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n    timeline(first: 100) { edges { node { version type actorId actorRole occurredAt } } pageInfo { hasNextPage } }\n  }\n": types.EngagementViewFragmentDoc,
    "\n  query Engagement($id: ID!) {\n    engagement(id: $id) { ...EngagementView }\n  }\n": types.EngagementDocument,
    "\n  query EngagementAsOf($id: ID!, $asOfVersion: Int!, $changesTo: Int!) {\n    past: engagement(id: $id, asOfVersion: $asOfVersion) { ...EngagementView }\n    live: engagement(id: $id) {\n      id version\n      changes(fromVersion: $asOfVersion, toVersion: $changesTo) { version path before after actorId occurredAt }\n    }\n  }\n": types.EngagementAsOfDocument,
    "\n  query MyEngagements {\n    engagements(first: 50) {\n      edges {\n        node {\n          id title status version\n          coach { id name }\n          homework {\n            id title instructions status dueAt overdue\n            drafts { id revision content submittedAt feedback { id verdict comments givenAt } }\n          }\n          jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n        }\n      }\n    }\n  }\n": types.MyEngagementsDocument,
    "\n  mutation GiveFeedback($input: GiveFeedbackInput!) {\n    giveFeedback(input: $input) { id verdict comments givenAt }\n  }\n": types.GiveFeedbackDocument,
    "\n  mutation SubmitDraft($input: SubmitDraftInput!) {\n    submitDraft(input: $input) { id revision submittedAt }\n  }\n": types.SubmitDraftDocument,
    "\n  mutation LogJobSearchActivity($input: LogJobSearchActivityInput!) {\n    logJobSearchActivity(input: $input) { id jobSearch { applications interviews offers interviewRate } }\n  }\n": types.LogJobSearchActivityDocument,
    "\n  query Settings {\n    practiceSettings { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }\n  }\n": types.SettingsDocument,
    "\n  mutation UpdateSettings($input: UpdatePracticeSettingsInput!) {\n    updatePracticeSettings(input: $input) { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }\n  }\n": types.UpdateSettingsDocument,
    "\n  mutation SendTestDelivery {\n    sendTestWebhookDelivery { url deliveryId delivered status body error durationMs }\n  }\n": types.SendTestDeliveryDocument,
    "\n  query AccessAudit($first: Int!, $after: String) {\n    accessAudit(first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id actorId actorRole engagementId operation operationName occurredAt requestId } }\n    }\n  }\n": types.AccessAuditDocument,
    "\n  subscription EngagementEvents($engagementId: ID!) {\n    engagementEvents(engagementId: $engagementId) { version type actorId actorRole occurredAt }\n  }\n": types.EngagementEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer { id practiceId role }\n  }\n"): typeof import('./graphql').ViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Overview($days: Int!) {\n    practiceDashboard {\n      engagementsByStatus { status count }\n      awaitingFeedback\n      openHomework\n      overdueHomework\n      remindersSent\n      feedbackTurnaroundHoursP50\n      feedbackTurnaroundHoursP90\n      coaches { coach { id name } activeEngagements awaitingFeedback overdueHomework }\n      activity(days: $days) { day eventType events }\n      jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n      intakeBaseline { applications interviews interviewRate channels { channel applications interviews interviewRate } }\n      reminderOutcomes(days: $days) { day sent failed cancelled }\n    }\n  }\n"): typeof import('./graphql').OverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Coaches {\n    practiceDashboard { coaches { coach { id name } } }\n  }\n"): typeof import('./graphql').CoachesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Engagements($first: Int!, $after: String, $filter: EngagementFilter) {\n    engagements(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id title status updatedAt\n          client { id name }\n          coach { id name }\n          openHomeworkCount overdueHomeworkCount awaitingFeedbackCount\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').EngagementsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FeedbackQueue {\n    engagements(first: 100, filter: { status: [ACTIVE, PAUSED] }) {\n      edges {\n        node {\n          id title\n          client { id name }\n          homework(status: [SUBMITTED]) { id title latestDraft { id revision submittedAt } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').FeedbackQueueDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EngagementView on Engagement {\n    id title status version openedAt closedAt outcome asOf\n    client { id name email }\n    coach { id name email }\n    intake { presentingQuestion background currentStrategy goals recordedAt\n      baseline { channel applications interviews offers interviewRate } }\n    homework {\n      id title instructions status dueAt overdue assignedAt\n      drafts { id revision content submittedAt feedback { id verdict comments givenAt givenBy { id name } } }\n    }\n    sessions { id heldAt durationMinutes summary }\n    jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n    timeline(first: 100) { edges { node { version type actorId actorRole occurredAt } } pageInfo { hasNextPage } }\n  }\n"): typeof import('./graphql').EngagementViewFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Engagement($id: ID!) {\n    engagement(id: $id) { ...EngagementView }\n  }\n"): typeof import('./graphql').EngagementDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EngagementAsOf($id: ID!, $asOfVersion: Int!, $changesTo: Int!) {\n    past: engagement(id: $id, asOfVersion: $asOfVersion) { ...EngagementView }\n    live: engagement(id: $id) {\n      id version\n      changes(fromVersion: $asOfVersion, toVersion: $changesTo) { version path before after actorId occurredAt }\n    }\n  }\n"): typeof import('./graphql').EngagementAsOfDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyEngagements {\n    engagements(first: 50) {\n      edges {\n        node {\n          id title status version\n          coach { id name }\n          homework {\n            id title instructions status dueAt overdue\n            drafts { id revision content submittedAt feedback { id verdict comments givenAt } }\n          }\n          jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').MyEngagementsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GiveFeedback($input: GiveFeedbackInput!) {\n    giveFeedback(input: $input) { id verdict comments givenAt }\n  }\n"): typeof import('./graphql').GiveFeedbackDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SubmitDraft($input: SubmitDraftInput!) {\n    submitDraft(input: $input) { id revision submittedAt }\n  }\n"): typeof import('./graphql').SubmitDraftDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogJobSearchActivity($input: LogJobSearchActivityInput!) {\n    logJobSearchActivity(input: $input) { id jobSearch { applications interviews offers interviewRate } }\n  }\n"): typeof import('./graphql').LogJobSearchActivityDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Settings {\n    practiceSettings { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }\n  }\n"): typeof import('./graphql').SettingsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateSettings($input: UpdatePracticeSettingsInput!) {\n    updatePracticeSettings(input: $input) { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }\n  }\n"): typeof import('./graphql').UpdateSettingsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendTestDelivery {\n    sendTestWebhookDelivery { url deliveryId delivered status body error durationMs }\n  }\n"): typeof import('./graphql').SendTestDeliveryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccessAudit($first: Int!, $after: String) {\n    accessAudit(first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id actorId actorRole engagementId operation operationName occurredAt requestId } }\n    }\n  }\n"): typeof import('./graphql').AccessAuditDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EngagementEvents($engagementId: ID!) {\n    engagementEvents(engagementId: $engagementId) { version type actorId actorRole occurredAt }\n  }\n"): typeof import('./graphql').EngagementEventsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
