/**
 * The rate-limit gate of one API origin. Ignite's limits belong to the token and tenant, not to a stream:
 * when one request is told to come back later (429 with Retry-After or X-RateLimit-Reset), every other
 * request to the same origin would only earn 429s of its own and burn its retry budget. So a 429 that says
 * when closes the gate until then, and every request that starts while it is closed waits for it to open.
 * Requests already in flight finish as they are.
 *
 * The client owns the only gate of its origin: it is the one thing that talks to the API origin with the
 * token. Downloads go to signed URLs on storage hosts, whose limits (if any) are per object; they have none.
 */
export class RateLimitGate {
  #openAt = Number.NEGATIVE_INFINITY;

  /** Closes the gate until `at` (epoch ms). A shorter pause never cuts a longer one short. */
  closeUntil(at: number): void {
    if (at > this.#openAt) this.#openAt = at;
  }

  /** When the gate opens (epoch ms); in the past when it is open. */
  get openAt(): number {
    return this.#openAt;
  }
}
