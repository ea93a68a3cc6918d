import { startStack, type Stack } from './helpers/stack';

/**
 * Registry calls per query must not grow with the size of the answer: DataLoader
 * batches every key of one graph level into one call per registry.
 */
const HOUSEHOLD = /* GraphQL */ `
  query Household($id: PersonalId!) {
    citizen(id: $id) {
      household {
        members {
          relationshipToHead
          citizen {
            id
            person {
              fullName
              dateOfBirth
              father { person { fullName dateOfBirth } }
              mother { person { fullName dateOfBirth } }
            }
            documents(types: [BIRTH_CERTIFICATE]) { type number issuedOn }
          }
        }
      }
    }
  }
`;

describe('batching', () => {
  let stack: Stack;
  let agency: string;
  beforeAll(async () => {
    stack = await startStack();
    agency = await stack.agencyToken();
  });
  afterAll(() => stack.stop());

  async function callsFor(personaKey: string) {
    const id = stack.persona(personaKey);
    await stack.resetRegistryCalls();
    const res = await stack.graphql(HOUSEHOLD, { variables: { id }, token: agency, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect(res.body.errors).toBeUndefined();
    const members = (res.body.data?.citizen as { household: { members: unknown[] } }).household.members;
    return { members: members.length, calls: await stack.registryCalls() };
  }

  it('makes the same registry calls for households of 1, 4 and 8 members', async () => {
    const one = await callsFor('household-of-one');
    const four = await callsFor('household-of-four');
    const eight = await callsFor('household-of-eight');
    expect([one.members, four.members, eight.members]).toEqual([1, 4, 8]);
    // Level 1: the resident record (with its household). Level 2: members' persons and
    // documents. Level 3: parents; each persona has a parent living elsewhere.
    expect(one.calls).toEqual({ POPULATION: 2, RESIDENCE: 1, DOCUMENTS: 1 });
    expect(four.calls).toEqual(one.calls);
    expect(eight.calls).toEqual(one.calls);
  });

  it('makes at most one call per registry per level of the graph', async () => {
    const id = stack.persona('household-of-eight');
    await stack.resetRegistryCalls();
    const res = await stack.graphql(
      `query($id: PersonalId!) { citizen(id: $id) { residence { permanentAddress { full } temporaryAddress { full } }
         household { members { citizen { documents(types: [BIRTH_CERTIFICATE]) { type }
           person { fullName spouse { person { fullName } } children { person { fullName } } } } } } } }`,
      { variables: { id }, token: agency, headers: { 'x-purpose': 'CT01_RESIDENCE' } },
    );
    expect(res.body.errors).toBeUndefined();
    const calls = await stack.registryCalls();
    // Levels: 1 resident+household; 2 members' documents and persons; 3 spouses and children.
    expect(calls.RESIDENCE).toBe(1);
    expect(calls.DOCUMENTS).toBe(1);
    expect(calls.POPULATION).toBeLessThanOrEqual(2);
  });

  it('asks each registry once when the same citizen appears many times in one query', async () => {
    const id = stack.persona('household-of-five');
    const token = await stack.citizenToken(id);
    await stack.resetRegistryCalls();
    const res = await stack.graphql(
      `{ me { person { fullName } a: person { dateOfBirth } household { members { citizen { id person { fullName } } } } }
         again: citizen(id: "${id}") { person { gender } } }`,
      { token },
    );
    expect(res.body.errors).toBeUndefined();
    expect(await stack.registryCalls()).toEqual({ POPULATION: 2, RESIDENCE: 1, DOCUMENTS: 0 });
  });
});
