import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { measureOperation } from './operation-limits.js';

function measure(source: string, introspection = true) {
  const doc = parse(source);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = new Map(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return measureOperation(operation, (name) => fragments.get(name), introspection);
}

describe('measureOperation', () => {
  it('counts depth, aliases, directives and fields as written', () => {
    expect(measure('{ viewer { id } }')).toEqual({ depth: 2, aliases: 0, directives: 0, fields: 2 });
    expect(measure('query Q @a { x: viewer @b { id @c y: role } }')).toEqual({ depth: 2, aliases: 2, directives: 3, fields: 3 });
  });

  it('adds no level for a fragment spread or inline fragment, and counts a fragment each time it is spread', () => {
    expect(measure('{ viewer { ...V ...V } } fragment V on Viewer { a: id ... on Viewer { b: role } }')).toEqual({
      depth: 2,
      aliases: 4,
      directives: 0,
      fields: 5,
    });
  });

  it('measures a fragment named __schema, and an alias __schema, like any other', () => {
    const smuggled = measure('{ ...__schema } fragment __schema on Query { a { b { c { d } } } }');
    expect(smuggled.depth).toBe(4);
    expect(measure('{ __schema: a { b { c } } }').depth).toBe(3);
  });

  it('leaves out the introspection root fields only when introspection is on', () => {
    expect(measure('{ __schema { types { fields { type { ofType { name } } } } } }').depth).toBe(0);
    expect(measure('{ __schema { types { fields { type { ofType { name } } } } } }', false).depth).toBe(6);
  });

  it('survives fragment cycles (graphql-js refuses them) and measures exponential fragments without expanding them', () => {
    expect(measure('{ ...A } fragment A on Query { x ...B } fragment B on Query { y ...A }').fields).toBeGreaterThan(0);
    const layers = Array.from({ length: 60 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const shape = measure(`{ ...F0 } ${layers} fragment F60 on Query { __typename }`);
    expect(shape.fields).toBe(2 ** 60);
  });
});
