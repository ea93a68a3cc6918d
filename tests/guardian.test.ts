import { ageOn } from '../src/domain/dates';
import { startStack, type Stack } from './helpers/stack';

const READ = 'query($id: PersonalId!) { citizen(id: $id) { id person { fullName religion } residence { currentAddress { full } } documents { type } } }';

describe('parents reading their own young children (GUARDIAN)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  const today = new Date().toISOString().slice(0, 10);
  const householdOf = (id: string) => stack.dataset.residences.get(id)?.householdId;
  /** A parent and child of the dataset meeting a condition. */
  function pair(test: (parent: string, child: string, age: number) => boolean): [string, string] {
    for (const child of stack.dataset.people.values()) {
      if (child.dateOfDeath) continue;
      for (const parent of [child.fatherId, child.motherId]) {
        if (parent && !stack.dataset.people.get(parent)?.dateOfDeath && test(parent, child.id, ageOn(child.dateOfBirth, today))) return [parent, child.id];
      }
    }
    throw new Error('no such pair in the dataset');
  }
  const ask = async (reader: string, id: string, purpose?: string) => {
    const token = await stack.citizenToken(reader);
    return stack.graphql(READ, { token, variables: { id }, headers: purpose ? { 'x-purpose': purpose } : {} });
  };

  it("lets a parent read their child under 14 in the same household, sensitive fields included", async () => {
    const [parent, child] = pair((p, c, age) => age < 14 && age >= 2 && householdOf(p) === householdOf(c));
    const res = await ask(parent, child, 'GUARDIAN');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.citizen).toMatchObject({ id: child, person: { religion: expect.any(String) } });
  });

  it('refuses the same parent without the GUARDIAN purpose', async () => {
    const [parent, child] = pair((p, c, age) => age < 14 && householdOf(p) === householdOf(c));
    const res = await ask(parent, child);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY' });
  });

  it('refuses a child of 14 or older', async () => {
    const [parent, child] = pair((p, c, age) => age >= 14 && age < 18 && householdOf(p) === householdOf(c));
    const res = await ask(parent, child, 'GUARDIAN');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'GUARDIAN' });
  });

  it('refuses a parent who does not live with the child', async () => {
    const [parent, child] = pair((p, c, age) => age < 14 && householdOf(p) !== householdOf(c));
    const res = await ask(parent, child, 'GUARDIAN');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'GUARDIAN' });
  });

  it('refuses a household member who is not a parent', async () => {
    const nonParentMember = (child: string) => {
      const person = stack.dataset.people.get(child);
      return stack.dataset.households
        .get(householdOf(child) as string)
        ?.members.map((m) => m.personalId)
        .find((m) => m !== child && m !== person?.fatherId && m !== person?.motherId);
    };
    const [, child] = pair((p, c, age) => age < 14 && householdOf(p) === householdOf(c) && !!nonParentMember(c));
    const res = await ask(nonParentMember(child) as string, child, 'GUARDIAN');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'GUARDIAN' });
  });

  it('refuses a citizen purpose other than GUARDIAN', async () => {
    const [parent, child] = pair((p, c, age) => age < 14 && householdOf(p) === householdOf(c));
    const res = await ask(parent, child, 'CT01_RESIDENCE');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'X-Purpose' });
  });
});
