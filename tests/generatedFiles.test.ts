import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Runs `npm run <script>` in the project, as a developer would; resolves with its exit code and output. */
function npmRun(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', script], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/**
 * What `npm test` checks besides behaviour, run beside the other test files rather than
 * before them: on two cores, one single-threaded compiler in front of the suite leaves a
 * core idle. A failure prints the tool's own output.
 */
describe('the checked-in and generated files', () => {
  it.each([
    ['codegen:check', 'the generated TypeScript types match schema/*.graphql'],
    ['subgraph:check', 'the published subgraph SDL files match the schemas they are printed from'],
    ['typecheck', 'the project and the supergraph runtime type-check'],
  ])('npm run %s: %s', async (script) => {
    const { code, output } = await npmRun(script);
    if (code !== 0) throw new Error(`npm run ${script} exited with ${code}:\n${output.slice(-8000)}`);
  });
});
