import { buildSchema, getVariableValues, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildCostModel } from '../../src/cost/model.js';
import { estimateCost } from '../../src/cost/price.js';
import { AUDIENCES } from '../../src/context.js';
import { buildAudienceSchema } from '../../src/schema.js';

const DIRECTIVES = /* GraphQL */ `
  directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
`;

/** A schema shaped like the IBM specification's examples. */
const schema = buildSchema(/* GraphQL */ `
  ${DIRECTIVES}
  type Query {
    book(id: ID!): Book
    books(first: Int = 10, search: String @cost(weight: "5")): [Book!]! @listSize(slicingArguments: ["first"])
    bookPage(first: Int, last: Int): BookConnection @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
    anyPage(first: Int, last: Int): BookConnection @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"], requireOneSlicingArgument: false)
    featured: [Book!]! @listSize(assumedSize: 5)
    expensive: Int @cost(weight: "20")
    media: [Media!]! @listSize(assumedSize: 2)
    shelf: Shelf
  }
  type Mutation { addBook(title: String!): Book }
  type Book { id: ID! title: String! author: Author similar: Book tags: [String!]! @listSize(assumedSize: 3) }
  type Author @cost(weight: "3") { id: ID! name: String! }
  type BookConnection { edges: [BookEdge!]! pageInfo: PageInfo! }
  type BookEdge { cursor: String! node: Book! }
  type PageInfo { hasNextPage: Boolean! }
  interface Shelf { id: ID! }
  type SmallShelf implements Shelf { id: ID! book: Book }
  type BigShelf implements Shelf { id: ID! books: [Book!]! @listSize(assumedSize: 20) }
  type Film { id: ID! director: Author }
  union Media = Book | Film
`);
const model = buildCostModel(schema);

function price(document: string, variables: Record<string, unknown> = {}): number {
  const doc = parse(document);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((f) => [f.name.value, f]),
  );
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) throw coerced.errors[0];
  const root = operation.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  return estimateCost({ schema, model, fragments, variables: coerced.coerced }, root, operation.selectionSet);
}

describe('Cost estimate (IBM GraphQL Cost Directive specification)', () => {
  it('weighs objects 1, scalars 0 and __typename nothing', () => {
    expect(price('{ __typename }')).toBe(0);
    expect(price('{ book(id: 1) { id title } }')).toBe(1);
    expect(price('{ book(id: 1) { id __typename } }')).toBe(1);
  });

  it('takes @cost on fields, types and given arguments', () => {
    expect(price('{ expensive }')).toBe(20);
    expect(price('{ book(id: 1) { author { name } } }')).toBe(1 + 3);
    expect(price('{ books(first: 2) { id } }')).toBe(2);
    expect(price('{ books(first: 2, search: "x") { id } }')).toBe(2 + 5);
  });

  it('multiplies a list by its slicing argument, or by assumedSize', () => {
    expect(price('{ books(first: 7) { id author { id } } }')).toBe(7 * (1 + 3));
    expect(price('{ featured { id } }')).toBe(5);
    expect(price('{ featured { tags } }')).toBe(5 * (1 + 0));
  });

  it('prices first: 100, first: $n with n = 100 and ($n: Int = 100) without variables the same', () => {
    const literal = price('{ books(first: 100) { id author { id } } }');
    expect(price('query($n: Int) { books(first: $n) { id author { id } } }', { n: 100 })).toBe(literal);
    expect(price('query($n: Int = 100) { books(first: $n) { id author { id } } }')).toBe(literal);
    expect(literal).toBe(400);
  });

  it("uses the field's default when the slicing argument is left out", () => {
    expect(price('{ books { id } }')).toBe(10);
  });

  it('prices the same document again for other variables (cost is never cached per text)', () => {
    const doc = 'query($n: Int) { books(first: $n) { id } }';
    expect(price(doc, { n: 10 })).toBe(10);
    expect(price(doc, { n: 100 })).toBe(100);
  });

  it('passes a connection size down to sizedFields (edges), not to the connection itself', () => {
    expect(price('{ bookPage(first: 10) { edges { node { id } } pageInfo { hasNextPage } } }')).toBe(1 + 10 * (1 + 1) + 1);
  });

  it('requires exactly one slicing argument unless told otherwise', () => {
    expect(() => price('{ bookPage(first: 1, last: 2) { edges { cursor } } }')).toThrow('`first` or `last` must be a number');
    expect(() => price('{ bookPage { edges { cursor } } }')).toThrow('`first` or `last` must be a number');
    expect(price('{ anyPage(first: 1, last: 3) { edges { cursor } } }')).toBe(1 + 3 * 1);
  });

  it('costs the same written with fragments, inline fragments or inline', () => {
    const inline = price('{ books(first: 3) { id author { name } } featured { title } }');
    expect(price('{ books(first: 3) { ...B } featured { ...T } } fragment B on Book { id author { ...A } } fragment A on Author { name } fragment T on Book { title }')).toBe(inline);
    expect(price('{ books(first: 3) { ... on Book { id author { name } } } featured { ... { title } } }')).toBe(inline);
  });

  it('counts repeated fields once (they merge) and aliases separately', () => {
    expect(price(`{ book(id: 1) { ${'author { id } '.repeat(500)} } }`)).toBe(1 + 3);
    expect(price('{ a: book(id: 1) { id } b: book(id: 2) { id } }')).toBe(2);
  });

  it('takes the most expensive possible type of an interface or union', () => {
    expect(price('{ shelf { id ... on SmallShelf { book { id } } ... on BigShelf { books { id } } } }')).toBe(1 + 20);
    expect(price('{ media { ... on Book { author { id } } ... on Film { director { id } } } }')).toBe(2 * (1 + 3));
  });

  it('honours @skip and @include, literal or from variables', () => {
    expect(price('{ book(id: 1) { author @skip(if: true) { id } } }')).toBe(1);
    expect(price('query($s: Boolean!) { book(id: 1) { author @include(if: $s) { id } } }', { s: false })).toBe(1);
    expect(price('query($s: Boolean!) { book(id: 1) { author @include(if: $s) { id } } }', { s: true })).toBe(4);
  });

  it('adds 10 for a mutation field', () => {
    expect(price('mutation { addBook(title: "x") { id } }')).toBe(10);
  });

  it('prices a fragment bomb without walking it exponentially', () => {
    // Every level doubles: walked node by node this is 2^31 fields, which would never finish.
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Book { a: similar { ...F${i + 1} } b: similar { ...F${i + 1} } }`);
    fragments.push(`fragment F${levels} on Book { id }`);
    expect(price(`{ book(id: 1) { ...F0 } } ${fragments.join('\n')}`)).toBe(1 + (2 ** (levels + 1) - 2));
  });
});

describe('Cost directives in the audience schemas', () => {
  it('load for every audience: every list field is bounded', () => {
    for (const audience of AUDIENCES) expect(() => buildCostModel(buildAudienceSchema(audience))).not.toThrow();
  });

  it('make a schema with an unbounded list fail to load', () => {
    const unbounded = buildSchema(`${DIRECTIVES} type Query { everything: [String!]! }`);
    expect(() => buildCostModel(unbounded)).toThrow(/Query.everything is a list without @listSize/);
  });
});
