/**
 * Delivery leases kept in memory, for a store only one process opens (lowdb): leases end with
 * the process, which is exactly when its deliveries must be free for the next one.
 */
export class DeliveryLeases {
  private readonly leases = new Map<string, { owner: string; until: number }>()

  /** Whether another owner's lease on `id` still runs. */
  takenByOther(id: string, owner: string, now = Date.now()): boolean {
    const lease = this.leases.get(id)
    return lease !== undefined && lease.owner !== owner && lease.until > now
  }

  /** Whether any lease on `id` still runs. */
  leased(id: string, now = Date.now()): boolean {
    const lease = this.leases.get(id)
    return lease !== undefined && lease.until > now
  }

  take(id: string, owner: string, leaseMs: number, now = Date.now()): boolean {
    if (this.takenByOther(id, owner, now)) return false
    this.leases.set(id, { owner, until: now + leaseMs })
    return true
  }

  /** Whether `owner` still holds `id` (a lease that ran out still counts until another owner takes it). */
  holds(id: string, owner: string): boolean {
    return this.leases.get(id)?.owner === owner
  }

  end(id: string, owner: string): void {
    if (this.holds(id, owner)) this.leases.delete(id)
  }
}
