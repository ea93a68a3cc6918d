import { ConfigError, loadConfig } from '../config';
import { rotateKeys } from './loadKeyRing';

/** `npm run keys:rotate`: retires the active signing key and makes a new one (restart the gateway after). */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { retired, active } = await rotateKeys(config.signingKeyDir);
  process.stdout.write(`signing key ${active} is now active${retired.length ? `; retired ${retired.join(', ')} (still published)` : ''}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
