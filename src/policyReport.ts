import { ConfigError, loadPolicyToolConfig } from './config';
import { loadForms } from './forms/loadForms';
import { createSchema } from './graphql/createSchema';
import { CatalogueError, loadCatalogue, readCatalogueFile } from './policy/loadCatalogue';
import { formatOverGrants, overGrants, overGrantsSomething, purposeNeeds } from './access/purposeNeeds';

/**
 * `npm run policy:report`: compares each grant of the policy catalogue (`POLICY_CATALOGUE`,
 * else the shipped one) with what its purpose's forms and verification read, and lists
 * the fields and document types granted but never needed, per agency × purpose. With
 * `--check`, exits 1 when any grant allows more than its purpose needs.
 */
function main(args: string[]): number {
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write('usage: policy:report [--check]\n');
    return 2;
  }
  const config = loadPolicyToolConfig(process.env);
  const { facts } = createSchema();
  const catalogue = loadCatalogue(readCatalogueFile(config.policyCatalogue), facts, { development: config.development });
  const forms = loadForms(facts, catalogue);
  const reports = overGrants(catalogue, purposeNeeds(catalogue, forms, facts));
  process.stdout.write(formatOverGrants(catalogue.version, reports));
  return args.includes('--check') && reports.some(overGrantsSomething) ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError || err instanceof CatalogueError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
