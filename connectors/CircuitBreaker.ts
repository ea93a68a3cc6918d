export type BreakerState = 'closed' | 'open' | 'half_open';

/** Numeric encoding used by the `gateway_breaker_state` gauge. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe call is let through. */
  resetTimeoutMs: number;
  now?: () => number;
  onStateChange?: (state: BreakerState) => void;
}

/**
 * A per-registry circuit breaker: closed → open after `failureThreshold` consecutive
 * failures; open → half-open after `resetTimeoutMs`, letting exactly one probe through;
 * the probe's result closes or re-opens it. While open, calls fail without I/O.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new Error(`failureThreshold must be a positive integer, but got: ${String(options.failureThreshold)}`);
    }
    if (!(options.resetTimeoutMs > 0)) {
      throw new Error(`resetTimeoutMs must be positive, but got: ${String(options.resetTimeoutMs)}`);
    }
    this.now = options.now ?? Date.now;
  }

  /** The state now; an open circuit whose reset timeout has passed reads as half-open. */
  state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.resetTimeoutMs) {
      this.transition('half_open');
    }
    return this.current;
  }

  /**
   * Asks permission for one call. Every `true` must be followed by exactly one
   * `succeeded()` or `failed()`.
   */
  tryAcquire(): boolean {
    switch (this.state()) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half_open':
        if (this.probeInFlight) return false;
        this.probeInFlight = true;
        return true;
    }
  }

  succeeded(): void {
    this.probeInFlight = false;
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  failed(): void {
    this.probeInFlight = false;
    this.failures++;
    if (this.current === 'half_open' || (this.current === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private transition(state: BreakerState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }
}
