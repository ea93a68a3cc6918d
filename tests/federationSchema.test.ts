import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isUnionType, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { generateFederationFiles, staleFederationFiles } from '../federation/federationFiles';
import { describeAccess } from '../src/access/accessRequest';
import { analyzeOperation } from '../src/access/analyzeOperation';
import { createSchema, readTypeDefs } from '../src/graphql/createSchema';
import { federationFieldFacts } from '../src/schemaFacts/federationFieldFacts';
import { readSchemaFacts } from '../src/schemaFacts/readSchemaFacts';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

const run = promisify(execFile);
const { schema, facts } = createSchema();
const A = '048141813353';
const B = '024052541885';

function analyze(query: string, variables: Record<string, unknown>) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return analyzeOperation({ schema, facts, document, operation, variables });
}

/** The subgraph schema, the facts of what Federation adds, and the files composed from it. */
describe('the gateway as a Federation subgraph: schema, facts and files', () => {
  describe('the schema', () => {
    it('has Citizen as its only entity', () => {
      const entity = schema.getType('_Entity');
      expect(isUnionType(entity) && entity.getTypes().map((t) => t.name)).toEqual(['Citizen']);
    });

    it('takes the facts of _service, _entities and _Service.sdl from their declaration', () => {
      expect(facts.roles('Query._entities')).toEqual(['CITIZEN', 'AGENCY']);
      expect(facts.listSize('Query._entities')).toBe(100);
      expect(facts.roles('Query._service')).toEqual(['AGENCY']);
      expect(facts.rule('_Service.sdl')).toBe('PUBLIC');
    });

    it('refuses to start, naming the field, when a field Federation adds has no declared facts', () => {
      const { '_Service.sdl': _dropped, ...rest } = federationFieldFacts;
      expect(() => readSchemaFacts(schema, rest)).toThrow(/_Service\.sdl \(added by Federation: needs its facts in src\/schemaFacts\/federationFieldFacts\.ts\)/);
    });

    it('refuses to start when a declaration names a field of the SDL, whose facts belong in the SDL', () => {
      expect(() => readSchemaFacts(schema, { ...federationFieldFacts, 'Person.religion': { access: { rule: 'PUBLIC' } } })).toThrow(/Person\.religion \(declared in federationFieldFacts\.ts/);
    });

    it('refuses to start when a declared role or rule is not one of the schema', () => {
      const declared = { ...federationFieldFacts, 'Query._service': { roles: { allow: ['ROUTER'] } }, '_Service.sdl': { access: { rule: 'OPEN' } } };
      expect(() => readSchemaFacts(schema, declared)).toThrow(/Query\._service \(declared role ROUTER is not a Role\)[\s\S]*_Service\.sdl \(declared rule OPEN is not an AccessRule\)/);
    });

    it('refuses to start when a resolver has no field in the schema', () => {
      const typeDefs = readTypeDefs().map((sdl) => sdl.replace(/\n {2}"From the residence registry; null[^\n]*\n {2}household: Household[^\n]*/, ''));
      expect(typeDefs.join('\n')).not.toContain('household: Household');
      expect(() => createSchema(typeDefs)).toThrow(/Citizen\.household defined in resolvers, but not in schema/);
    });
  });

  describe('the analysis of _entities', () => {
    it('names each representation as a citizen at its index, through fragments, aliases and @skip', () => {
      const analysis = analyze(
        `query($r: [_Any!]!) { found: _entities(representations: $r) { ...Entity } }
         fragment Entity on _Entity { __typename ... on Citizen { person { fullName } documents @skip(if: true) { number } } }`,
        { r: [{ __typename: 'Citizen', id: A }, { __typename: 'Citizen', id: B }] },
      );
      expect(analysis.citizens.map((c) => ({ via: c.via, hop: c.hop, path: c.path, id: c.id }))).toEqual([
        { via: 'Query._entities', hop: 0, path: 'found.0', id: A },
        { via: 'Query._entities', hop: 0, path: 'found.1', id: B },
      ]);
      expect(analysis.citizens[1]?.reads.map((r) => [r.kind, r.coordinate, r.paths])).toEqual([
        ['reach', 'Query._entities', ['found.1']],
        ['record', 'Citizen.__typename', ['found.1.__typename']],
        ['field', 'Person.fullName', ['found.1.person.fullName']],
      ]);
      expect(analysis.citizenBound).toBe(2);
    });

    it('makes each representation a subject of the one access request, counted as a lookup', () => {
      const analysis = analyze('query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { person { father { id } } } } }', {
        r: [{ __typename: 'Citizen', id: A }, { __typename: 'Citizen', id: B }],
      });
      const { request, lookups } = describeAccess(analysis, { kind: 'agency', agency: 'CA_HN', officialId: 'canbo.01', scopes: [] }, 'CT01_RESIDENCE', new Map(), facts);
      expect(request.subjects.map((s) => [s.hop, s.id, s.path])).toEqual([
        [0, A, '_entities.0'],
        [1, undefined, '_entities.0.person.father'],
        [0, B, '_entities.1'],
        [1, undefined, '_entities.1.person.father'],
      ]);
      expect(request.rootFields).toEqual([{ coordinate: 'Query._entities', path: '_entities' }]);
      expect(lookups).toBe(4);
    });
  });

  describe('the checked-in files', () => {
    it('are what the schema and the social insurance subgraph compose into now', () => {
      expect(staleFederationFiles(generateFederationFiles())).toEqual([]);
    });

    it('fail npm run subgraph:check, named, when one is stale', async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'gw-federation-'));
      try {
        mkdirSync(path.join(root, 'federation'));
        for (const f of generateFederationFiles()) writeFileSync(path.join(root, f.path), f.path.endsWith('supergraph.graphql') ? f.text.replace('PersonalId', 'PersonId') : f.text);
        const check = run(process.execPath, [...TSX_NODE_FLAGS, 'federation/cli.ts', 'check', '--root', root], { cwd: path.join(__dirname, '..') });
        await expect(check).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('Stale federation files (run npm run subgraph:sdl and commit them): federation/supergraph.graphql') });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
