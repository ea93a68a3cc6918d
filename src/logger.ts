import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * A log line that may come thousands of times (a dependency failing over and over):
 * written at most once per `intervalMs`, saying how many were held back since.
 */
export function createThrottledLog(intervalMs: number, now: () => number = Date.now): (write: (suppressed: number) => void) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (write) => {
    const at = now();
    if (at - last < intervalMs) {
      suppressed++;
      return;
    }
    write(suppressed);
    suppressed = 0;
    last = at;
  };
}

/**
 * Structured JSON logs. Tokens and anything that could hold personal data are
 * redacted by path; callers log masked IDs (see maskPersonalId), never names or addresses.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vn-registry-gateway' },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'authorization',
          'token',
          '*.token',
          'variables',
          '*.variables',
          'personalId',
          '*.personalId',
          'fullName',
          '*.fullName',
          'address',
          '*.address',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
