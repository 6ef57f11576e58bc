import { buildSchema, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { operationCost, UNKNOWN_LIST_SIZE, type ListSizes } from './operation-cost.js';

const schema = buildSchema(`
  type Query { viewer: Viewer! engagements(first: Int = 20): Connection! engagement(id: ID!): Engagement }
  type Viewer { id: ID! }
  type Connection { edges: [Edge!]! totalCount: Int! }
  type Edge { node: Engagement! }
  type Engagement { id: ID! homework: [Homework!]! goals: [String!]! }
  type Homework { id: ID! drafts: [Draft!]! }
  type Draft { id: ID! homework: Homework! }
`);

const SIZES: ListSizes = { maxima: { 'Engagement.homework': 10, 'Homework.drafts': 10, 'Engagement.goals': 50 }, maxPage: 200 };

function cost(source: string, variables: Record<string, unknown> = {}, introspection = true, sizes: ListSizes = SIZES): number {
  const doc = parse(source);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return operationCost(schema, operation, fragments, variables, introspection, sizes);
}

describe('operationCost', () => {
  it('costs 1 per field, a list of scalars included', () => {
    expect(cost('{ viewer { id } }')).toBe(2);
    expect(cost('{ engagement(id: "x") { id goals } }')).toBe(3);
  });

  it("multiplies a connection's list by its page size: literal, variable or the schema's default", () => {
    expect(cost('{ engagements(first: 200) { edges { node { id } } } }')).toBe(1 + 1 + 200 * (1 + 1));
    expect(cost('query ($n: Int) { engagements(first: $n) { edges { node { id } } } }', { n: 200 })).toBe(402);
    expect(cost('{ engagements { edges { node { id } } totalCount } }')).toBe(1 + 1 + 20 * 2 + 1);
  });

  it("multiplies an unpaged list by its hard maximum, one below another; a list missing from the table by UNKNOWN_LIST_SIZE", () => {
    expect(cost('{ engagement(id: "x") { homework { drafts { id } } } }')).toBe(1 + 1 + 10 * (1 + 10 * 1));
    // Draft.homework is one homework, not a list
    expect(cost('{ engagement(id: "x") { homework { drafts { homework { id } } } } }')).toBe(1 + 1 + 10 * (1 + 10 * 2));
    const drafts = { ...SIZES, maxima: { 'Engagement.homework': 10 } };
    expect(cost('{ engagement(id: "x") { homework { drafts { id } } } }', {}, true, drafts)).toBe(1 + 1 + 10 * (1 + UNKNOWN_LIST_SIZE * 1));
  });

  it('sizes a page asked for without `first` (and no default) as the largest page', () => {
    const noDefault = buildSchema(`type Query { list(first: Int): ListConnection! } type ListConnection { edges: [E!]! } type E { id: ID! }`);
    const doc = parse('{ list { edges { id } } }');
    const op = doc.definitions[0] as OperationDefinitionNode;
    expect(operationCost(noDefault, op, {}, {}, true, SIZES)).toBe(1 + 1 + 200 * 1);
  });

  it('counts fragments (a fragment named __schema too) as if written out; only real introspection roots are free', () => {
    const written = cost('{ engagements(first: 50) { edges { node { homework { id } } } } }');
    expect(cost('{ ...__schema } fragment __schema on Query { engagements(first: 50) { edges { node { homework { id } } } } }')).toBe(written);
    expect(cost('{ ...F } fragment F on Query { ... on Query { engagements(first: 50) { edges { node { homework { id } } } } } }')).toBe(written);
    expect(cost('{ __schema { types { name } } }')).toBe(0);
    expect(cost('{ __schema { types { name } } }', {}, false)).toBeGreaterThan(0);
  });

  it('ignores what validation refuses anyway: unknown fields, fragment cycles', () => {
    expect(cost('{ nope { id } viewer { id } }')).toBe(2);
    expect(cost('{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }')).toBe(2);
  });
});
