import { ConfigError, loadAuditToolConfig } from '../config';
import { loadKeyRing } from '../keys/loadKeyRing';
import { createStore } from '../store/createStore';
import { AuditLog } from './AuditLog';
import { verifyChain } from './verifyChain';

/**
 * `npm run audit:verify` — checks the whole audit chain (content, keyed links, signed
 * checkpoints in the database and in the checkpoint file, checkpoint cadence) and names
 * the first broken record; `npm run audit:prune` — blanks records past their retention
 * now. Both read the same configuration as the gateway (DATABASE_URL, or the embedded
 * store under DATA_DIR, which must not be open in a running gateway at the same time;
 * SIGNING_KEY_DIR; AUDIT_CHECKPOINT_FILE; AUDIT_CHECKPOINT_EVERY and _MS).
 */
async function main(command: string | undefined): Promise<number> {
  if (command !== 'verify' && command !== 'prune') {
    process.stderr.write('usage: audit verify | audit prune\n');
    return 2;
  }
  const config = loadAuditToolConfig(process.env);
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, postgres: config.postgres });
  try {
    const keys = await loadKeyRing({ dir: config.signingKeyDir, createIfMissing: false });
    if (command === 'prune') {
      const n = await new AuditLog(store, keys).prune();
      process.stdout.write(`pruned ${n} record(s) past their retention\n`);
      return 0;
    }
    const { checkpointEveryRecords: records, checkpointEveryMs: ms, checkpointFile } = config.audit;
    const report = await verifyChain(store, keys, { cadence: { records, ms }, checkpointFile });
    if (report.ok) {
      const file = checkpointFile ? `, ${report.fileCheckpoints} found in ${checkpointFile}` : '';
      process.stdout.write(
        `audit chain OK: ${report.records} record(s), ${report.pruned} pruned, ${report.legacy} of the old hash scheme, ${report.checkpoints} signed checkpoint(s) verified${file}\n`,
      );
      return 0;
    }
    const broken = report.firstBroken as { seq: number; problem: string };
    const where = broken.seq > 0 ? ` at record ${broken.seq}` : '';
    process.stdout.write(`audit chain BROKEN${where}: ${broken.problem} (${report.records} record(s) verified before it)\n`);
    return 1;
  } finally {
    await store.close();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
