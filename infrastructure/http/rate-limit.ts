/** Requests a token may make: `burst` at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 200 };

/** A token bucket per key, in memory; the least recently seen keys are forgotten past `maxKeys`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now, private readonly maxKeys = 10_000) {}

  /** 0 when the request may go on, else the seconds to wait before the next one is allowed. */
  take(key: string): number {
    const now = this.now();
    const known = this.buckets.get(key);
    const bucket = known ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    this.buckets.delete(key); // re-inserted last: Map order is recency
    this.buckets.set(key, bucket);
    if (!known && this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.limit.perSecond);
  }

  /** Whole requests `key` may make right now (after its last take). */
  remaining(key: string): number {
    return Math.floor(this.buckets.get(key)?.tokens ?? this.limit.burst);
  }

  get burst(): number {
    return this.limit.burst;
  }
}
