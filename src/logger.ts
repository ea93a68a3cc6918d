import pino, { type Logger } from 'pino';

export type { Logger };

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
