// Builds the code-first schema from the GraphQL type classes (no HTTP server,
// no real resolvers) and proves it keeps the public contract
// (../shared/docs/api-contract.graphql): nothing breaking, nothing added
// except Role.SYSTEM, same defaults, same descriptions.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import {
  Args,
  GraphQLISODateTime,
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
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
import {
  AssignHomeworkInput,
  CancelHomeworkInput,
  CloseEngagementInput,
  CoachingSession,
  Draft,
  Engagement,
  EngagementByIdArgs,
  EngagementConnection,
  EngagementEvent,
  EngagementEventConnection,
  EngagementEventsArgs,
  EngagementsArgs,
  Feedback,
  GiveFeedbackInput,
  GraphQLJSON,
  Homework,
  HomeworkByIdArgs,
  HomeworkFilterArgs,
  LogCoachingSessionInput,
  LogJobSearchActivityInput,
  MUTATION_DESCRIPTIONS,
  OpenEngagementInput,
  PauseEngagementInput,
  PracticeDashboard,
  PracticeDashboardArgs,
  PracticeSettings,
  QUERY_DESCRIPTIONS,
  RecordIntakeInput,
  ResumeEngagementInput,
  SUBSCRIPTION_DESCRIPTIONS,
  SubmitDraftInput,
  TimelineArgs,
  UpdatePracticeSettingsInput,
  Viewer,
} from '../../libs/engagement/src/graphql/types/index.js';

const CONTRACT_URL = new URL('../../../shared/docs/api-contract.graphql', import.meta.url);

function notImplemented(): never {
  throw new Error('schema-only resolver');
}

// Minimal resolvers: they only declare every root field and every field with
// arguments, so that the whole contract is reachable from the roots.
@Resolver()
class ContractRootResolver {
  @Query(() => Viewer)
  viewer(): Viewer {
    return notImplemented();
  }

  @Query(() => Engagement, { nullable: true })
  engagement(@Args() _args: EngagementByIdArgs): Engagement | null {
    return notImplemented();
  }

  @Query(() => EngagementConnection)
  engagements(@Args() _args: EngagementsArgs): EngagementConnection {
    return notImplemented();
  }

  @Query(() => Homework, { nullable: true })
  homework(@Args() _args: HomeworkByIdArgs): Homework | null {
    return notImplemented();
  }

  @Query(() => PracticeDashboard, { description: QUERY_DESCRIPTIONS.practiceDashboard })
  practiceDashboard(@Args() _args: PracticeDashboardArgs): PracticeDashboard {
    return notImplemented();
  }

  @Query(() => PracticeSettings, { description: QUERY_DESCRIPTIONS.practiceSettings })
  practiceSettings(): PracticeSettings {
    return notImplemented();
  }

  @Mutation(() => Engagement, { description: MUTATION_DESCRIPTIONS.openEngagement })
  openEngagement(@Args('input', { type: () => OpenEngagementInput }) _input: OpenEngagementInput): Engagement {
    return notImplemented();
  }

  @Mutation(() => Engagement, { description: MUTATION_DESCRIPTIONS.recordIntake })
  recordIntake(@Args('input', { type: () => RecordIntakeInput }) _input: RecordIntakeInput): Engagement {
    return notImplemented();
  }

  @Mutation(() => Homework, { description: MUTATION_DESCRIPTIONS.assignHomework })
  assignHomework(@Args('input', { type: () => AssignHomeworkInput }) _input: AssignHomeworkInput): Homework {
    return notImplemented();
  }

  @Mutation(() => Draft, { description: MUTATION_DESCRIPTIONS.submitDraft })
  submitDraft(@Args('input', { type: () => SubmitDraftInput }) _input: SubmitDraftInput): Draft {
    return notImplemented();
  }

  @Mutation(() => Feedback, { description: MUTATION_DESCRIPTIONS.giveFeedback })
  giveFeedback(@Args('input', { type: () => GiveFeedbackInput }) _input: GiveFeedbackInput): Feedback {
    return notImplemented();
  }

  @Mutation(() => Homework, { description: MUTATION_DESCRIPTIONS.cancelHomework })
  cancelHomework(@Args('input', { type: () => CancelHomeworkInput }) _input: CancelHomeworkInput): Homework {
    return notImplemented();
  }

  @Mutation(() => CoachingSession, { description: MUTATION_DESCRIPTIONS.logCoachingSession })
  logCoachingSession(
    @Args('input', { type: () => LogCoachingSessionInput }) _input: LogCoachingSessionInput,
  ): CoachingSession {
    return notImplemented();
  }

  @Mutation(() => Engagement, { description: MUTATION_DESCRIPTIONS.logJobSearchActivity })
  logJobSearchActivity(
    @Args('input', { type: () => LogJobSearchActivityInput }) _input: LogJobSearchActivityInput,
  ): Engagement {
    return notImplemented();
  }

  @Mutation(() => Engagement, { description: MUTATION_DESCRIPTIONS.pauseEngagement })
  pauseEngagement(@Args('input', { type: () => PauseEngagementInput }) _input: PauseEngagementInput): Engagement {
    return notImplemented();
  }

  @Mutation(() => Engagement, { description: MUTATION_DESCRIPTIONS.resumeEngagement })
  resumeEngagement(@Args('input', { type: () => ResumeEngagementInput }) _input: ResumeEngagementInput): Engagement {
    return notImplemented();
  }

  @Mutation(() => Engagement, { description: MUTATION_DESCRIPTIONS.closeEngagement })
  closeEngagement(@Args('input', { type: () => CloseEngagementInput }) _input: CloseEngagementInput): Engagement {
    return notImplemented();
  }

  @Mutation(() => PracticeSettings, { description: MUTATION_DESCRIPTIONS.updatePracticeSettings })
  updatePracticeSettings(
    @Args('input', { type: () => UpdatePracticeSettingsInput }) _input: UpdatePracticeSettingsInput,
  ): PracticeSettings {
    return notImplemented();
  }

  @Subscription(() => EngagementEvent, { description: SUBSCRIPTION_DESCRIPTIONS.engagementEvents })
  engagementEvents(@Args() _args: EngagementEventsArgs): AsyncIterator<EngagementEvent> {
    return notImplemented();
  }
}

@Resolver(() => Engagement)
class ContractEngagementFieldsResolver {
  @ResolveField(() => [Homework])
  homework(@Parent() _engagement: Engagement, @Args() _args: HomeworkFilterArgs): Homework[] {
    return notImplemented();
  }

  @ResolveField(() => EngagementEventConnection)
  timeline(@Parent() _engagement: Engagement, @Args() _args: TimelineArgs): EngagementEventConnection {
    return notImplemented();
  }
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

let app: INestApplicationContext;
let contractText: string;
let contract: GraphQLSchema;
let built: GraphQLSchema;
let builtSdl: string;

beforeAll(async () => {
  contractText = readFileSync(CONTRACT_URL, 'utf8');
  contract = buildSchema(contractText);
  app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  const factory = app.get(GraphQLSchemaFactory);
  const schema = await factory.create([ContractRootResolver, ContractEngagementFieldsResolver], []);
  built = lexicographicSortSchema(schema);
  builtSdl = printSchema(built);
});

afterAll(async () => {
  await app?.close();
});

describe('code-first GraphQL types against the public contract', () => {
  it('has no breaking change against the contract', () => {
    const breaking = findBreakingChanges(contract, built).map((c) => `${c.type}: ${c.description}`);
    if (breaking.length > 0) console.log(`breaking changes:\n  ${breaking.join('\n  ')}\n\nbuilt schema:\n${builtSdl}`);
    expect(breaking).toEqual([]);
  });

  it('has no dangerous change except the Role.SYSTEM addition', () => {
    const dangerous = findDangerousChanges(contract, built).map((c) => ({ type: c.type, description: c.description }));
    expect(dangerous).toEqual([
      { type: DangerousChangeType.VALUE_ADDED_TO_ENUM, description: 'SYSTEM was added to enum type Role.' },
    ]);
  });

  it('adds nothing but Role.SYSTEM (nothing breaking when going back to the contract)', () => {
    const removedByContract = findBreakingChanges(built, contract).map((c) => ({ type: c.type, description: c.description }));
    expect(removedByContract).toEqual([
      { type: BreakingChangeType.VALUE_REMOVED_FROM_ENUM, description: 'SYSTEM was removed from enum type Role.' },
    ]);
  });

  it('prints exactly the contract SDL plus Role.SYSTEM, defaults and list nullability included', () => {
    const contractWithSystem = contractText.replace(/enum Role \{([^}]*)\}/, 'enum Role {$1  SYSTEM\n}');
    expect(contractWithSystem).not.toBe(contractText);
    const expected = withoutDescriptions(printSchema(lexicographicSortSchema(buildSchema(contractWithSystem))));
    expect(withoutDescriptions(builtSdl)).toBe(expected);
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
    expect(actual.get('Role.SYSTEM')).toBe('the service itself, e.g. a reminder job');
    actual.delete('Role.SYSTEM');
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it('uses a JSON scalar named JSON and the built-in DateTime scalar', () => {
    expect(built.getType('JSON')).toBe(GraphQLJSON);
    expect(built.getType('DateTime')).toBe(GraphQLISODateTime);
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
