import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * A bare Apollo Server 5 serving the same shapes from memory: the data the gateway
 * returned, held in resolvers. No authentication, no access control, no audit, no registry.
 */
const data = JSON.parse(process.env.BENCH_DATA ?? '{}') as { household: unknown; prefill: unknown };
const typeDefs = `#graphql
  type Query { citizen(id: ID!): Citizen  prefill(formId: ID!, subjectId: ID): FormPrefill }
  type Citizen { household: Household }
  type Household { members: [HouseholdMember!]! }
  type HouseholdMember { relationshipToHead: String! citizen: Member! }
  type Member { id: ID! person: Person }
  type Person { fullName: String! dateOfBirth: String! gender: String! provenance: Provenance! }
  type Provenance { registry: String! asOf: String! }
  type FormPrefill { formId: ID! subjectId: ID! missing: [String!]! attestation: String! fields: [Field!]! }
  type Field { key: String! value: String status: String! editable: Boolean! rows: [Row!] }
  type Row { cells: [Cell!]! }
  type Cell { key: String! value: String }
`;
const server = new ApolloServer({
  typeDefs,
  resolvers: { Query: { citizen: () => data.household, prefill: () => data.prefill } },
});
startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } }).then(({ url }) => {
  process.stdout.write(`ready ${new URL(url).port}\n`);
});
