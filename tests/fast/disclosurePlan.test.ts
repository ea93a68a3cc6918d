import { parse, type OperationDefinitionNode } from 'graphql';
import { collectDisclosures } from '../../src/audit/collectDisclosures';
import { applyPlan, createDisclosurePlans, describeDisclosures } from '../../src/audit/disclosurePlan';
import { createSchema } from '../../src/graphql/createSchema';

/**
 * Disclosure plans (src/audit/disclosurePlan.ts) against the walk of the answer
 * (src/audit/collectDisclosures.ts), on answers made by hand for the cases that decide
 * what a record says: nulls with and without an error, an error that nulled its parent,
 * empty lists, lists with null elements, aliases, fragments, `@skip`/`@include`, and
 * citizens reached per element (household members, children) or at Federation's `_entities`.
 */
const { schema, facts } = createSchema();
const HEAD = '001088000012';
const MEMBER = '001090000034';
const CHILD = '001095000056';

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  data: Record<string, unknown>;
  errors?: { path: (string | number)[]; extensions: { code: string } }[];
  citizensAt: Record<string, string>;
  expected: Record<string, { fields: string[]; errors?: string[] }>;
}

const CASES: Case[] = [
  {
    name: 'leaves, a null without error (disclosed), an empty list (disclosed)',
    query: `{ citizen(id: "${HEAD}") { id person { fullName dateOfDeath } residence { permanentAddress { full } } documents { type } } }`,
    data: { citizen: { id: HEAD, person: { fullName: 'A', dateOfDeath: null }, residence: null, documents: [] } },
    citizensAt: { citizen: HEAD },
    expected: { [HEAD]: { fields: ['documents', 'id', 'person.dateOfDeath', 'person.fullName', 'residence'] } },
  },
  {
    name: 'a failed field discloses nothing and names its code; an error deeper down nulls its parent, which is disclosed as null',
    query: `{ citizen(id: "${HEAD}") { person { fullName } residence { permanentAddress { full } } documents { type number } } }`,
    data: { citizen: { person: null, residence: { permanentAddress: null }, documents: [{ type: 'CAN_CUOC', number: '1' }] } },
    errors: [
      { path: ['citizen', 'person'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } },
      { path: ['citizen', 'residence', 'permanentAddress', 'full'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ],
    citizensAt: { citizen: HEAD },
    expected: { [HEAD]: { fields: ['documents.number', 'documents.type', 'residence.permanentAddress'], errors: ['UPSTREAM_UNAVAILABLE'] } },
  },
  {
    name: 'household members, each a citizen of their own, by element; the head keeps the relationship',
    query: `{ citizen(id: "${HEAD}") { household { id members { relationshipToHead citizen { id person { fullName } } } } } }`,
    data: {
      citizen: {
        household: {
          id: 'H1',
          members: [
            { relationshipToHead: 'Chủ hộ', citizen: { id: HEAD, person: { fullName: 'A' } } },
            { relationshipToHead: 'Con', citizen: { id: MEMBER, person: null } },
          ],
        },
      },
    },
    errors: [{ path: ['citizen', 'household', 'members', 1, 'citizen', 'person'], extensions: { code: 'NOT_FOUND' } }],
    citizensAt: { citizen: HEAD, 'citizen.household.members.0': HEAD, 'citizen.household.members.1': MEMBER },
    expected: {
      [HEAD]: { fields: ['household.id', 'household.members', 'id', 'person.fullName', 'relationshipToHead'] },
      [MEMBER]: { fields: ['id', 'relationshipToHead'], errors: ['NOT_FOUND'] },
    },
  },
  {
    name: 'children through a fragment and an alias; a child not placed by a resolver is not anyone’s',
    query: `query { me { person { ...Family } } } fragment Family on Person { kids: children { person { name: fullName } } spouse { id } }`,
    data: { me: { person: { kids: [{ person: { name: 'B' } }, null, { person: { name: 'C' } }], spouse: null } } },
    citizensAt: { me: HEAD, 'me.person.kids.0': CHILD },
    expected: { [HEAD]: { fields: ['person.children', 'person.spouse'] }, [CHILD]: { fields: ['person.fullName'] } },
  },
  {
    name: '@skip and @include, with variables',
    query: `query($a: Boolean!, $b: Boolean!) { citizen(id: "${HEAD}") { id @skip(if: $a) person { fullName @include(if: $b) dateOfBirth } } }`,
    variables: { a: true, b: false },
    data: { citizen: { person: { dateOfBirth: '2000-01-01' } } },
    citizensAt: { citizen: HEAD },
    expected: { [HEAD]: { fields: ['person.dateOfBirth'] } },
  },
  {
    name: "Federation's _entities, each element at its index",
    query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Citizen { person { fullName } } } }`,
    variables: { r: [] },
    data: { _entities: [{ __typename: 'Citizen', person: { fullName: 'A' } }, { __typename: 'Citizen', person: null }] },
    citizensAt: { '_entities.0': HEAD, '_entities.1': MEMBER },
    expected: { [HEAD]: { fields: ['__typename', 'person.fullName'] }, [MEMBER]: { fields: ['__typename', 'person'] } },
  },
  {
    name: 'no data: nothing disclosed',
    query: `{ citizen(id: "${HEAD}") { id } }`,
    data: { citizen: null },
    errors: [{ path: ['citizen'], extensions: { code: 'FORBIDDEN' } }],
    citizensAt: {},
    expected: {},
  },
];

describe('disclosure plans, without HTTP', () => {
  const plans = createDisclosurePlans(schema, facts);
  it.each(CASES.map((c) => [c.name, c] as const))('%s: the plan says what the walk says', (_name, c) => {
    const document = parse(c.query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition') as OperationDefinitionNode;
    const input = { data: c.data, errors: c.errors ?? [], citizensAt: new Map(Object.entries(c.citizensAt)) };
    const planned = applyPlan(plans.planFor(document, operation), input);
    const walked = collectDisclosures({ schema, facts, document, operation, variables: c.variables ?? {}, ...input });
    expect(describeDisclosures(planned)).toBe(describeDisclosures(walked));
    const simple = Object.fromEntries([...planned.values()].map((s) => [s.subjectId, { fields: [...s.fields].sort(), ...(s.errors.size > 0 ? { errors: [...s.errors].sort() } : {}) }]));
    expect(simple).toEqual(c.expected);
  });

  it('builds one plan per operation and reuses it', () => {
    const document = parse(`{ me { id } }`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(plans.planFor(document, operation)).toBe(plans.planFor(document, operation));
  });
});
