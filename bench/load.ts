import autocannon from 'autocannon';

/**
 * The load generator, in a process of its own so that it does not share the event
 * loop of what it measures. Prints one JSON line with throughput and latency.
 *
 * Without `rate`, closed loop: every connection sends its next request as soon as the
 * last is answered (the most the target can do). With `rate`, a fixed rate of requests
 * per second over all connections (autocannon's `overallRate`): the latency a client sees
 * below saturation, corrected by autocannon for coordinated omission (a request held back
 * because every connection was busy counts from when it was due).
 */
const { url, body, headers, connections, duration, rate } = JSON.parse(process.argv[2] as string) as {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  duration: number;
  rate?: number;
};
const cpuAtStart = process.cpuUsage();
autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, connections, duration, ...(rate ? { overallRate: rate } : {}) }, (err, result) => {
  if (err) throw err;
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(
    `${JSON.stringify({
      requests: result.requests.total,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      // Measured here because the process is gone by the time the runner samples /proc.
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    })}\n`,
  );
});
