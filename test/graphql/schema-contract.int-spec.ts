// Proves, in detail, that the schema the REAL API generates (apps/api/schema.gql,
// written at start-up by autoSchemaFile + sortSchema) keeps the public contract
// (docs/api-contract.graphql, a copy of the published one): nothing breaking, nothing dangerous
// but Role.SYSTEM, nothing added but the additions listed below, same
// defaults, same descriptions. The
// repository's contract check (scripts/contract-check.mjs) runs against the same file in test/api/contract.e2e-spec.ts.
import { readFileSync } from 'node:fs';
import { GraphQLISODateTime } from '@nestjs/graphql';
import {
  BreakingChangeType,
  DangerousChangeType,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  lexicographicSortSchema,
  parse,
  parseValue,
  print,
  printSchema,
  visit,
  type ASTNode,
  type GraphQLSchema,
} from 'graphql';
import { GraphQLJSON } from '../../libs/engagement/src/graphql/types/index.js';
import { TestApi } from '../support/api.js';
import { CONTRACT_URL, generatedSchemaFile, liveSchema } from '../support/schema.js';

/**
 * What the service adds to the contract (allowed: additions only), each
 * coordinate with its description. A new addition belongs here, reviewed.
 */
const ADDITIONS: Record<string, string> = {
  'Role.SYSTEM': 'the service itself, e.g. a reminder job',
  'Reminder.attempts': 'delivery attempts so far',
  'Reminder.lastError': 'why the last delivery attempt failed (FAILED: why it gave up)',
  'Reminder.cancelReason': 'why it was CANCELLED, e.g. "draft submitted", "engagement paused"',
  'PracticeDashboard.activity': 'events per day and type, newest day first (kept by the worker, seconds behind at most)',
  ActivityDay: 'how many events of one type a practice recorded on one day (UTC)',
  'ActivityDay.day': 'YYYY-MM-DD',
  'ActivityDay.eventType': 'an event type, e.g. DraftSubmitted',
  'ActivityDay.events': null as unknown as string,
  'PracticeDashboard.activity(days:)': 'the last this many days, today included (1 to 366)',
  // the access audit (issue 5): ADMIN reads of engagements they neither coach nor are client of
  'Query.accessAudit': 'ADMIN only: reads of engagements by someone who is not their coach or client, newest first',
  'Query.accessAudit(engagementId:)': 'only the reads of this engagement',
  'Query.accessAudit(first:)': 'page size, at most 200',
  'Query.accessAudit(after:)': 'the endCursor of the previous page',
  AccessAuditConnection: 'A page of the access audit, newest first.',
  'AccessAuditConnection.edges': 'the entries of this page',
  'AccessAuditConnection.pageInfo': 'whether older entries follow',
  AccessAuditEdge: 'An access audit entry and its cursor.',
  'AccessAuditEdge.cursor': 'pass as `after` to read the entries older than this one',
  'AccessAuditEdge.node': 'the entry',
  AccessAuditEntry: 'One read of an engagement by someone who is neither its coach nor its client (an ADMIN of the practice).',
  'AccessAuditEntry.id': 'the entry',
  'AccessAuditEntry.engagementId': 'the engagement that was read',
  'AccessAuditEntry.actorId': 'who read it',
  'AccessAuditEntry.actorRole': 'their role when they read it',
  'AccessAuditEntry.operation': 'the root field that read it, e.g. Query.engagement',
  'AccessAuditEntry.operationName': "the GraphQL operation's name, as the caller gave it",
  'AccessAuditEntry.requestId': "the request's id (X-Request-Id), also the correlation id of its logs",
  'AccessAuditEntry.occurredAt': 'when it was read',
  // the practice console's overview and settings (issue 14)
  'PracticeDashboard.reminderOutcomes': 'reminder outcomes per day, newest day first; days without any are left out',
  'PracticeDashboard.reminderOutcomes(days:)': 'the last this many days, today included (1 to 366)',
  ReminderOutcomeDay: 'reminders that reached an outcome on one day (UTC): sent, failed after the last attempt, or cancelled',
  'ReminderOutcomeDay.day': 'YYYY-MM-DD',
  'ReminderOutcomeDay.sent': null as unknown as string,
  'ReminderOutcomeDay.failed': null as unknown as string,
  'ReminderOutcomeDay.cancelled': null as unknown as string,
  'PracticeDashboard.intakeBaseline': "the intakes' job-search baselines alone, per channel and in total (jobSearch adds every activity logged since)",
  'Mutation.sendTestWebhookDelivery': "ADMIN only: POST one signed test body to the practice's webhook and report the answer",
  WebhookTestDelivery: "One signed test POST to the practice's webhook and what the receiver answered.",
  'WebhookTestDelivery.url': 'where it was POSTed',
  'WebhookTestDelivery.deliveryId': 'the X-Delivery-Id it carried (test-…)',
  'WebhookTestDelivery.delivered': 'the receiver answered 2xx',
  'WebhookTestDelivery.status': "the receiver's HTTP status; null when no answer came",
  'WebhookTestDelivery.body': "the start of the receiver's answer (at most 200 characters, whitespace collapsed)",
  'WebhookTestDelivery.error': 'why it was not delivered',
  'WebhookTestDelivery.durationMs': null as unknown as string,
  // issue 11: the recipe's proof (docs/architecture.md, "Add a command and its event")
  'Mutation.rescheduleHomework': 'COACH or ADMIN; reminders follow the new due time',
  'Mutation.rescheduleHomework(input:)': null as unknown as string,
  RescheduleHomeworkInput: 'A new due time for open homework (ASSIGNED, SUBMITTED or CHANGES_REQUESTED).',
  'RescheduleHomeworkInput.engagementId': null as unknown as string,
  'RescheduleHomeworkInput.homeworkId': null as unknown as string,
  'RescheduleHomeworkInput.dueAt': 'the new due time, in the future',
  'RescheduleHomeworkInput.expectedVersion': null as unknown as string,
  'RescheduleHomeworkInput.idempotencyKey': null as unknown as string,
  // issue 12: time travel
  'Query.engagement(asOf:)': 'time travel: the engagement as it stood at this instant, folded from its stream (null if it did not exist yet)',
  'Query.engagement(asOfVersion:)': 'time travel: the engagement as it stood after this version of its stream',
  'Engagement.asOf': "the point in time this past view shows (engagement(asOf:) or the asOfVersion event's time); null: the live engagement",
  'Engagement.changes':
    'what changed between two versions, event by event (at most 1000 versions apart): e.g. what the client changed since the feedback',
  'Engagement.changes(fromVersion:)': 'the version to compare from (0: before the engagement was opened)',
  'Engagement.changes(toVersion:)': "the version to compare to; default: the version shown (the current one, or the past view's)",
  FieldChange: 'One field of an engagement that one event changed (Engagement.changes).',
  'FieldChange.path': 'where, dotted; collections by id (homework.<id>.drafts.<id>.content, sessions.<id>, jobSearch.<CHANNEL>.applications)',
  'FieldChange.before': 'the value before the event (null: it did not exist)',
  'FieldChange.after': 'the value after the event (null: it ceased to exist)',
  'FieldChange.version': 'the version of the event that made the change',
  'FieldChange.occurredAt': null as unknown as string,
  'FieldChange.actorId': 'who made it',
  // issue 12: event webhooks with replay
  CreateWebhookSubscriptionInput: "A URL to receive the practice's committed events.",
  'CreateWebhookSubscriptionInput.description': null as unknown as string,
  'CreateWebhookSubscriptionInput.eventTypes': "only these event types; omitted: every type",
  'CreateWebhookSubscriptionInput.secret': "signs every delivery (X-Signature, webhook-signature); 16 to 256 printable characters; never shown again",
  'CreateWebhookSubscriptionInput.url': "http(s); private and loopback addresses are refused when delivering, as for reminder webhooks",
  'Mutation.createWebhookSubscription': "ADMIN only: deliver the practice's committed events (from now on) to a URL",
  'Mutation.createWebhookSubscription(input:)': null as unknown as string,
  'Mutation.deleteWebhookSubscription': "ADMIN only: delete a webhook subscription and its deliveries",
  'Mutation.deleteWebhookSubscription(id:)': null as unknown as string,
  'Mutation.replayWebhookSubscription': "ADMIN only: queue the practice's events again from a position or an instant (at most 100000), with their original delivery ids; returns how many were queued",
  'Mutation.replayWebhookSubscription(fromPosition:)': "from this global position (a delivery id), inclusive",
  'Mutation.replayWebhookSubscription(fromTime:)': "from the events that occurred at or after this instant",
  'Mutation.replayWebhookSubscription(id:)': null as unknown as string,
  'Mutation.updateWebhookSubscription': "ADMIN only: change, pause or resume a webhook subscription",
  'Mutation.updateWebhookSubscription(input:)': null as unknown as string,
  'Query.webhookSubscriptions': "ADMIN only: the practice's event webhook subscriptions, oldest first",
  UpdateWebhookSubscriptionInput: "Changes to a webhook subscription; omitted fields stay as they are.",
  'UpdateWebhookSubscriptionInput.active': "false pauses it; true resumes it (and clears failing)",
  'UpdateWebhookSubscriptionInput.description': null as unknown as string,
  'UpdateWebhookSubscriptionInput.eventTypes': "only these event types; an empty list: every type",
  'UpdateWebhookSubscriptionInput.id': null as unknown as string,
  'UpdateWebhookSubscriptionInput.secret': "a new secret (write-only)",
  'UpdateWebhookSubscriptionInput.url': null as unknown as string,
  WebhookDelivery: "One committed event's delivery to one subscription.",
  'WebhookDelivery.attempts': "attempts so far",
  'WebhookDelivery.deliveredAt': null as unknown as string,
  'WebhookDelivery.eventType': "the event type, e.g. DraftSubmitted",
  'WebhookDelivery.id': "the delivery id: the event's global position (X-Delivery-Id, webhook-id)",
  'WebhookDelivery.lastError': "why the last attempt failed",
  'WebhookDelivery.lastStatus': "the receiver's HTTP status at the last attempt",
  'WebhookDelivery.nextAttemptAt': "when the next attempt is due (null: delivered)",
  'WebhookDelivery.occurredAt': null as unknown as string,
  'WebhookDelivery.status': null as unknown as string,
  'WebhookDelivery.streamId': "the stream of the event (the engagement id for engagement events)",
  WebhookDeliveryConnection: "A page of a subscription's deliveries, newest event first.",
  'WebhookDeliveryConnection.edges': null as unknown as string,
  'WebhookDeliveryConnection.pageInfo': null as unknown as string,
  WebhookDeliveryEdge: "A delivery and its cursor.",
  'WebhookDeliveryEdge.cursor': "pass as `after` for the older deliveries",
  'WebhookDeliveryEdge.node': null as unknown as string,
  WebhookDeliveryStatus: "where a delivery stands",
  'WebhookDeliveryStatus.DELIVERED': "the receiver answered 2xx",
  'WebhookDeliveryStatus.PENDING': "queued, not attempted yet",
  'WebhookDeliveryStatus.RETRYING': "attempted and failed; retried after a back-off",
  WebhookSubscription: "A URL that receives the practice's committed events, signed with its secret (never shown).",
  'WebhookSubscription.active': "deliveries are being made (false: paused, by an ADMIN or after repeated failures)",
  'WebhookSubscription.backlog': "deliveries not yet made",
  'WebhookSubscription.createdAt': "events committed from then on are delivered (older ones: replay)",
  'WebhookSubscription.deliveries': "its deliveries, newest event first",
  'WebhookSubscription.deliveries(after:)': "the endCursor of the previous page",
  'WebhookSubscription.deliveries(first:)': "page size, at most 200",
  'WebhookSubscription.deliveries(status:)': "only deliveries in this state",
  'WebhookSubscription.description': null as unknown as string,
  'WebhookSubscription.eventTypes': "the event types it receives; null: every type",
  'WebhookSubscription.failing': "paused because its deliveries kept failing; updating it with active: true resumes it",
  'WebhookSubscription.id': null as unknown as string,
  'WebhookSubscription.lastDeliveryAt': null as unknown as string,
  'WebhookSubscription.url': null as unknown as string,
  // issue 12: GDPR export
  ExportedEvent: 'One stored event of a personal data export, in the shape it was written, personal fields opened ("[erased]" once erased).',
  'ExportedEvent.data': "the data as stored, personal fields opened",
  'ExportedEvent.metadata': "actor, role, practice, correlation and causation ids",
  'ExportedEvent.occurredAt': null as unknown as string,
  'ExportedEvent.position': "its global position",
  'ExportedEvent.schemaVersion': "the shape version the data was written with (upcasters read older ones)",
  'ExportedEvent.streamId': "its stream (the engagement id for engagement events)",
  'ExportedEvent.type': null as unknown as string,
  'ExportedEvent.version': null as unknown as string,
  PersonExport: "Everything the practice holds about one person, inline (GDPR access / portability).",
  'PersonExport.engagementIds': "the engagements they coach or are the client of",
  'PersonExport.events': "every event of those engagements and every event they made, in log order",
  'PersonExport.exportedAt': null as unknown as string,
  'PersonExport.personId': null as unknown as string,
  'PersonExport.practiceId': null as unknown as string,
  'PersonExport.readModels': "the read-model rows about them, by table (engagements, homework, drafts, feedback, coaching_sessions, job_search_stats, reminders, access_audit)",
  'Query.exportPersonData': "ADMIN only: every event and read-model row about one person of the practice, as JSON",
  'Query.exportPersonData(personId:)': null as unknown as string,
  // issue 12: GDPR erasure by crypto-shredding
  ErasureReceipt: 'What an erasure did: the record of it is the PersonErased event at `position`.',
  'ErasureReceipt.personId': null as unknown as string,
  'ErasureReceipt.practiceId': null as unknown as string,
  'ErasureReceipt.erasedAt': null as unknown as string,
  'ErasureReceipt.erasedBy': 'the ADMIN who erased them',
  'ErasureReceipt.reason': null as unknown as string,
  'ErasureReceipt.position': "the PersonErased event's global position",
  'ErasureReceipt.keyDestroyed': 'false when nothing of theirs had been sealed yet (no key existed): their later events store "[erased]"',
  'ErasureReceipt.engagementIds': 'the engagements they coach or are the client of, whose read models now show "[erased]"',
  'ErasureReceipt.readModelRows': 'read-model rows of those engagements written again from the log',
  'ErasureReceipt.reminders': 'reminder rows addressed to them, rewritten (scheduled ones cancelled)',
  'ErasureReceipt.webhookDeliveries': 'stored event webhook bodies rebuilt with "[erased]" (receivers that already got them are out of reach)',
  'Mutation.erasePerson':
    'ADMIN only: erase a person of the practice (crypto-shredding). Their names, emails and the text by or about them read "[erased]" everywhere from now on; ids, counts, dates, verdicts and versions stay. Errors: NOT_FOUND (the practice does not know them), RULE_VIOLATED PERSON_ALREADY_ERASED.',
  'Mutation.erasePerson(personId:)': null as unknown as string,
  'Mutation.erasePerson(reason:)': null as unknown as string,
  // issue 13: the escalation ladder
  'ReminderKind.HOMEWORK_ESCALATED':
    "a step of the practice's escalation ladder: to the step's target (client, coach or admin), after the homework went overdue",
  'Reminder.escalationStep': "HOMEWORK_ESCALATED: its step of the practice's escalation ladder, from 1",
  'Reminder.escalationTarget': 'HOMEWORK_ESCALATED: who the step notifies',
  'PracticeSettings.escalation':
    "after HOMEWORK_DUE_SOON and HOMEWORK_OVERDUE (to the client), while the homework is still the client's to do: one HOMEWORK_ESCALATED reminder per step, numbered from 1; default: the coach 48 h and the admin 7 days after overdue",
  'PracticeSettings.escalationEmail': 'where ADMIN escalation steps are emailed; null: webhook only',
  'UpdatePracticeSettingsInput.escalation': 'replaces the whole ladder; [] turns escalation off',
  'UpdatePracticeSettingsInput.escalationEmail': "where ADMIN steps are emailed; '' clears it (ADMIN steps then go by webhook only)",
  EscalationStep: 'one rung of the escalation ladder: a HOMEWORK_ESCALATED reminder with this step number',
  'EscalationStep.afterMinutes': 'minutes after the homework went overdue (its HOMEWORK_OVERDUE time)',
  'EscalationStep.notify': null as unknown as string,
  'EscalationStep.channel': "null: every channel the practice's settings allow",
  EscalationStepInput: null as unknown as string,
  'EscalationStepInput.afterMinutes': 'minutes after the homework went overdue (its HOMEWORK_OVERDUE time)',
  'EscalationStepInput.notify': null as unknown as string,
  'EscalationStepInput.channel': "absent: every channel the practice's settings allow",
  EscalationTarget: "who a step of the escalation ladder notifies (ADMIN: the practice's escalation contact)",
  'EscalationTarget.CLIENT': null as unknown as string,
  'EscalationTarget.COACH': null as unknown as string,
  'EscalationTarget.ADMIN': null as unknown as string,
  EscalationChannel: "a step's channels (as the practice's settings allow)",
  'EscalationChannel.WEBHOOK': null as unknown as string,
  'EscalationChannel.EMAIL': null as unknown as string,
  'EscalationChannel.BOTH': null as unknown as string,
  // issue 13: quiet hours in the recipient's time zone; held and digested reminders
  'PersonInput.timezone': "IANA time zone, e.g. Pacific/Auckland: reminders' quiet hours follow it; absent: UTC",
  'Person.timezone': "IANA time zone of an engagement's coach or client (UTC when none was given)",
  'PracticeSettings.quietHours': 'null: reminders go at any hour',
  'UpdatePracticeSettingsInput.quietHours': 'null: no quiet hours',
  QuietHours: "a daily window, in each recipient's own time zone, in which reminders are held to its end",
  'QuietHours.start': '"HH:MM", when the window opens',
  'QuietHours.end': '"HH:MM", when it closes; earlier than start: the window spans midnight',
  QuietHoursInput: null as unknown as string,
  'QuietHoursInput.start': '"HH:MM", when the window opens (the recipient\'s local time)',
  'QuietHoursInput.end': '"HH:MM", when it closes; earlier than start: the window spans midnight',
  'ReminderStatus.HELD': "waiting for the end of the practice's quiet hours in the recipient's time zone (heldUntil; the reason in note)",
  'ReminderStatus.DIGESTED': "past the recipient's daily budget: listed in a digest instead (note names the digest)",
  'Reminder.heldUntil': 'HELD: when the hold ends and it goes',
  'Reminder.note': 'why it was HELD or DIGESTED, e.g. "quiet hours (21:00–08:00 in Pacific/Auckland)"',
  // issue 13: a daily budget per recipient, with the next morning's digest; the coaches' morning digest
  'PracticeSettings.maxRemindersPerDay':
    "reminders one recipient gets per day (in their time zone); past it, that day's further reminders are HELD and go together in one digest the next morning (each then DIGESTED); null: no budget",
  'PracticeSettings.coachDigest': 'each coach gets a morning digest (in their time zone) of the drafts waiting for their feedback',
  'UpdatePracticeSettingsInput.maxRemindersPerDay': "reminders per recipient per day before the rest wait for the next morning's digest; null: no budget",
  'UpdatePracticeSettingsInput.coachDigest': 'a morning digest to each coach of the drafts waiting for feedback',
};
/** values added to the contract's enums (a dangerous change each, reviewed): Enum.VALUE */
const ADDED_ENUM_VALUES = ['ReminderKind.HOMEWORK_ESCALATED', 'ReminderStatus.HELD', 'ReminderStatus.DIGESTED'];
/** added types (no dot) and fields of contract types (Type.field), Role.SYSTEM aside */
const ADDED_TYPES = Object.keys(ADDITIONS).filter((c) => !c.includes('.'));
const ADDED_FIELDS = Object.keys(ADDITIONS).filter(
  (c) => c !== 'Role.SYSTEM' && c.includes('.') && !c.includes('(') && !ADDED_TYPES.includes(c.split('.')[0]!) && !ADDED_ENUM_VALUES.includes(c),
);

/** arguments added to fields of the contract (Type.field(arg:)) */
const ADDED_ARGS = Object.keys(ADDITIONS).filter((c) => {
  const field = c.split('(')[0]!;
  return c.includes('(') && !ADDED_FIELDS.includes(field) && !ADDED_TYPES.includes(field.split('.')[0]!);
});

/** The SDL without what the service added (Role.SYSTEM stays). */
function withoutAddedFields(sdl: string): string {
  const stripped = visit(parse(sdl), {
    ObjectTypeDefinition(node) {
      if (ADDED_TYPES.includes(node.name.value)) return null;
      const fields = node.fields
        ?.filter((f) => !ADDED_FIELDS.includes(`${node.name.value}.${f.name.value}`))
        .map((f) => ({ ...f, arguments: f.arguments?.filter((a) => !ADDED_ARGS.includes(`${node.name.value}.${f.name.value}(${a.name.value}:)`)) }));
      return { ...node, fields };
    },
    InputObjectTypeDefinition(node) {
      if (ADDED_TYPES.includes(node.name.value)) return null;
      const fields = node.fields?.filter((f) => !ADDED_FIELDS.includes(`${node.name.value}.${f.name.value}`));
      return { ...node, fields };
    },
    EnumTypeDefinition(node) {
      if (ADDED_TYPES.includes(node.name.value)) return null;
      const values = node.values?.filter((v) => !ADDED_ENUM_VALUES.includes(`${node.name.value}.${v.name.value}`));
      return { ...node, values };
    },
  });
  return print(stripped);
}

/** Same SDL without any description, so two schemas can be compared structurally. */
function withoutDescriptions(sdl: string): string {
  const stripped = visit(parse(sdl), {
    enter(node: ASTNode) {
      if ('description' in node && node.description) return { ...node, description: undefined };
      return undefined;
    },
  });
  return print(stripped);
}

/** Every description of a schema (except scalars'), keyed by coordinate, e.g. `Homework.overdue`. */
function descriptions(schema: GraphQLSchema): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isScalarType(type)) continue;
    out.set(type.name, type.description ?? null);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.set(`${type.name}.${field.name}`, field.description ?? null);
        if ('args' in field) {
          for (const arg of field.args) out.set(`${type.name}.${field.name}(${arg.name}:)`, arg.description ?? null);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) out.set(`${type.name}.${value.name}`, value.description ?? null);
    }
  }
  return out;
}

let api: TestApi;
let contractText: string;
let contract: GraphQLSchema;
let built: GraphQLSchema;
let builtSdl: string;

beforeAll(async () => {
  contractText = readFileSync(CONTRACT_URL, 'utf8');
  contract = buildSchema(contractText);
  api = await TestApi.start();
  built = buildSchema(await generatedSchemaFile(api));
  builtSdl = printSchema(built);
}, 30_000);

afterAll(async () => {
  await api?.close();
});

describe('the generated schema file against the public contract', () => {
  it('has no breaking change against the contract', () => {
    const breaking = findBreakingChanges(contract, built).map((c) => `${c.type}: ${c.description}`);
    if (breaking.length > 0) console.log(`breaking changes:\n  ${breaking.join('\n  ')}\n\nbuilt schema:\n${builtSdl}`);
    expect(breaking).toEqual([]);
  });

  it('has no dangerous change except the Role.SYSTEM addition and the listed additions', () => {
    const byText = (a: { description: string }, b: { description: string }) => a.description.localeCompare(b.description);
    const dangerous = findDangerousChanges(contract, built).map((c) => ({ type: c.type, description: c.description }));
    expect(dangerous.sort(byText)).toEqual([
      { type: DangerousChangeType.VALUE_ADDED_TO_ENUM, description: 'SYSTEM was added to enum type Role.' },
      ...ADDED_ARGS.map((c) => {
        const [, field, arg] = /^(.+)\((.+):\)$/.exec(c)!;
        return { type: DangerousChangeType.OPTIONAL_ARG_ADDED, description: `An optional arg ${arg} on ${field} was added.` };
      }),
      ...ADDED_ENUM_VALUES.map((c) => ({
        type: DangerousChangeType.VALUE_ADDED_TO_ENUM,
        description: `${c.split('.')[1]} was added to enum type ${c.split('.')[0]}.`,
      })),
      // optional fields added to the contract's inputs (listed in ADDITIONS)
      ...ADDED_FIELDS.filter((c) => isInputObjectType(contract.getType(c.split('.')[0]!))).map((c) => ({
        type: DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED,
        description: `An optional field ${c.split('.')[1]} on input type ${c.split('.')[0]} was added.`,
      })),
    ].sort(byText));
  });

  it('adds nothing but the listed additions (nothing else breaks when going back to the contract)', () => {
    const removedByContract = findBreakingChanges(built, contract).map((c) => `${c.type}: ${c.description}`);
    expect(removedByContract.sort()).toEqual(
      [
        `${BreakingChangeType.VALUE_REMOVED_FROM_ENUM}: SYSTEM was removed from enum type Role.`,
        ...ADDED_ENUM_VALUES.map((c) => `${BreakingChangeType.VALUE_REMOVED_FROM_ENUM}: ${c.split('.')[1]} was removed from enum type ${c.split('.')[0]}.`),
        ...ADDED_FIELDS.map((coordinate) => `${BreakingChangeType.FIELD_REMOVED}: ${coordinate} was removed.`),
        ...ADDED_TYPES.map((type) => `${BreakingChangeType.TYPE_REMOVED}: ${type} was removed.`),
        ...ADDED_ARGS.map((c) => {
          const [, field, arg] = /^(.+)\((.+):\)$/.exec(c)!;
          return `${BreakingChangeType.ARG_REMOVED}: ${field} arg ${arg} was removed.`;
        }),
      ].sort(),
    );
  });

  it('prints exactly the contract SDL plus the additions, defaults and list nullability included', () => {
    const contractWithSystem = contractText.replace(/enum Role \{([^}]*)\}/, 'enum Role {$1  SYSTEM\n}');
    expect(contractWithSystem).not.toBe(contractText);
    const expected = withoutDescriptions(printSchema(lexicographicSortSchema(buildSchema(contractWithSystem))));
    expect(withoutDescriptions(withoutAddedFields(builtSdl))).toBe(withoutDescriptions(expected));
  });

  it('keeps the argument and input default values of the contract', () => {
    const sdl = withoutDescriptions(builtSdl);
    expect(sdl).toContain('engagements(after: String, filter: EngagementFilter, first: Int = 20): EngagementConnection!');
    expect(sdl).toContain('timeline(after: String, first: Int = 50): EngagementEventConnection!');
    expect(sdl).toContain('homework(status: [HomeworkStatus!]): [Homework!]!');
    expect(sdl.match(/ {2}offers: Int = 0\n/g)).toHaveLength(2);

    const engagements = built.getQueryType()!.getFields()['engagements']!;
    expect(engagements.args.find((a) => a.name === 'first')).toMatchObject({ defaultValue: 20 });
    const timeline = built.getType('Engagement');
    if (!isObjectType(timeline)) throw new Error('Engagement is not an object type');
    expect(timeline.getFields()['timeline']!.args.find((a) => a.name === 'first')).toMatchObject({ defaultValue: 50 });
    for (const input of ['ChannelStatInput', 'LogJobSearchActivityInput']) {
      const type = built.getType(input);
      if (!isInputObjectType(type)) throw new Error(`${input} is not an input type`);
      expect(String(type.getFields()['offers']!.type)).toBe('Int');
      expect(type.getFields()['offers']!.defaultValue).toBe(0);
    }
  });

  it('copies every description of the contract (types, fields, arguments, enum values)', () => {
    const expected = descriptions(contract);
    const actual = descriptions(built);
    // every addition is documented
    for (const [coordinate, description] of Object.entries(ADDITIONS)) {
      expect([coordinate, actual.get(coordinate)]).toEqual([coordinate, description]);
      actual.delete(coordinate);
    }
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it('is sorted, as autoSchemaFile with sortSchema writes it', () => {
    expect(builtSdl).toBe(printSchema(lexicographicSortSchema(built)));
  });

  it('serves a JSON scalar named JSON and the built-in DateTime scalar', () => {
    const live = liveSchema(api);
    expect(live.getType('JSON')).toBe(GraphQLJSON);
    expect(live.getType('DateTime')).toBe(GraphQLISODateTime);
    expect(isScalarType(built.getType('JSON'))).toBe(true);
    expect(isScalarType(built.getType('DateTime'))).toBe(true);
  });
});

describe('JSON scalar', () => {
  it('passes values through unchanged', () => {
    const value = { a: [1, 'x', null, { b: true }], c: 1.5 };
    expect(GraphQLJSON.serialize(value)).toBe(value);
    expect(GraphQLJSON.parseValue(value)).toBe(value);
    expect(GraphQLJSON.parseValue('text')).toBe('text');
    expect(GraphQLJSON.parseValue(null)).toBeNull();
  });

  it('converts literals recursively, variables included', () => {
    const ast = parseValue('{ s: "x", i: 42, f: 1.5, t: true, n: null, l: [1, [false], { k: "v" }], v: $var, u: $unset, e: SOME_ENUM }');
    expect(GraphQLJSON.parseLiteral(ast, { var: { deep: [1, 2] } })).toEqual({
      s: 'x',
      i: 42,
      f: 1.5,
      t: true,
      n: null,
      l: [1, [false], { k: 'v' }],
      v: { deep: [1, 2] },
      e: 'SOME_ENUM',
    });
    expect(GraphQLJSON.parseLiteral(parseValue('[1, "two", null]'))).toEqual([1, 'two', null]);
    expect(GraphQLJSON.parseLiteral(parseValue('-7'))).toBe(-7);
    expect(GraphQLJSON.parseLiteral(parseValue('null'))).toBeNull();
  });
});

describe('DateTime scalar (GraphQLISODateTime) behaviour the resolvers rely on', () => {
  it('serializes Date instances to ISO strings, and anything else to null', () => {
    expect(GraphQLISODateTime.serialize(new Date('2024-05-01T10:00:00.000Z'))).toBe('2024-05-01T10:00:00.000Z');
    // domain timestamps are ISO strings: resolvers must wrap them in `new Date(...)`
    expect(GraphQLISODateTime.serialize('2024-05-01T10:00:00.000Z')).toBeNull();
  });
});
