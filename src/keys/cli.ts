import { ConfigError, loadKeyDirectory } from '../config';
import { rotateKeys } from './loadKeyRing';

/**
 * `npm run keys:rotate`: retires the active signing key and audit chain key and makes
 * new ones (restart the gateway after). Needs only the key directory: `SIGNING_KEY_DIR`
 * (or `DATA_DIR/keys`), nothing else of the gateway's configuration.
 */
async function main(): Promise<void> {
  const dir = loadKeyDirectory(process.env);
  const { retired, active, chain } = await rotateKeys(dir);
  process.stdout.write(`signing key ${active} is now active${retired.length ? `; retired ${retired.join(', ')} (still published)` : ''}\n`);
  process.stdout.write(`audit chain key ${chain.active} is now active${chain.retired.length ? `; retired ${chain.retired.join(', ')} (kept to verify the chain)` : ''}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
