import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getNullableType, isListType, isObjectType, isInterfaceType, parse, type OperationDefinitionNode } from 'graphql';
import { parseConfig } from '#platform';
import { isPagedList, LIST_MAXIMA } from './list-maxima.js';
import { operationCost } from './operation-cost.js';

// the schema the API serves (written by every test run that boots it; committed, so a diff shows contract changes)
const schema = buildSchema(readFileSync(join(process.cwd(), 'apps/api/schema.gql'), 'utf8'));

function outputLists(): string[] {
  const found: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      if (isListType(getNullableType(field.type))) found.push(`${type.name}.${field.name}`);
    }
  }
  return found.sort();
}

const costOf = (source: string, variables: Record<string, unknown> = {}) => {
  const doc = parse(source);
  return operationCost(schema, doc.definitions[0] as OperationDefinitionNode, {}, variables, false);
};

describe('every list of the schema has a hard maximum or a page', () => {
  it('each list field is a connection page or has an entry in LIST_MAXIMA', () => {
    const unbounded = outputLists().filter((key) => {
      const [type, field] = key.split('.') as [string, string];
      return !isPagedList(type, field) && LIST_MAXIMA[key] === undefined;
    });
    expect(unbounded).toEqual([]);
  });

  it('every connection page is reached through a field that takes `first`', () => {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const named = getNullableType(field.type);
        if ('name' in named && typeof named.name === 'string' && named.name.endsWith('Connection')) {
          expect([`${type.name}.${field.name}`, field.args.some((a) => a.name === 'first')]).toEqual([`${type.name}.${field.name}`, true]);
        }
      }
    }
  });

  it('LIST_MAXIMA names only lists that exist (a renamed field is not silently unbounded)', () => {
    expect(Object.keys(LIST_MAXIMA).filter((k) => !outputLists().includes(k))).toEqual([]);
  });

  it('every maximum is a positive whole number', () => {
    for (const [key, max] of Object.entries(LIST_MAXIMA)) expect([key, Number.isInteger(max) && max > 0]).toEqual([key, true]);
  });
});

describe('the cost estimate uses the maxima', () => {
  it('homework → engagement → homework … (the 41 MB answer of issue 9) costs millions', () => {
    const cost = costOf('{ engagement(id: "x") { homework { engagement { homework { engagement { homework { instructions } } } } } } }');
    expect(cost).toBeGreaterThan(LIST_MAXIMA['Engagement.homework']! ** 3);
  });

  it('one engagement page costs what its lists can hold', () => {
    const cost = costOf('{ engagement(id: "x") { homework { drafts { id } } } }');
    expect(cost).toBe(1 + 1 + LIST_MAXIMA['Engagement.homework']! * (1 + LIST_MAXIMA['Homework.drafts']! * 1));
  });

  it("the default GRAPHQL_MAX_COST lets the deepest list of real use pass and refuses the issue's back-reference nesting", () => {
    const maxCost = parseConfig({ NODE_ENV: 'development' }).GRAPHQL_MAX_COST;
    // what `npm run bench` and test/api/statements.e2e-spec.ts ask for
    const list = costOf('{ engagements(first: 200) { edges { node { id homework { id drafts { id feedback { id } } } } } } }');
    const back = costOf('{ engagement(id: "x") { homework { engagement { homework { engagement { homework { instructions } } } } } } }');
    expect(list).toBeLessThanOrEqual(maxCost);
    expect(back).toBeGreaterThan(maxCost);
  });
});
