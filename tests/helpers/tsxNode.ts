/**
 * Node's flags to run a TypeScript entry point in a child process: tsx's CommonJS hook only
 * (the project compiles to CommonJS; ESM-only packages load through Node's require(esm)).
 * `--import tsx` would also start tsx's ESM loader thread: most of a CPU-second per process.
 */
export const TSX_NODE_FLAGS: readonly string[] = ['--require', require.resolve('tsx/cjs')];
