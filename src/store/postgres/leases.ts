/**
 * Leased rows (deliveries, payouts): who runs one (`owner`) and until when (`until`, database
 * time, so instances with skewed clocks agree). The statements are the same for each kind of row;
 * what is due and what may be claimed are the kind's own conditions.
 */
export interface LeaseColumns {
  table: string
  owner: string
  until: string
}

export const DELIVERY_LEASE: LeaseColumns = { table: 'deliveries', owner: 'lease_owner', until: 'lease_until' }
export const PAYOUT_LEASE: LeaseColumns = { table: 'transactions', owner: 'payout_lease_owner', until: 'payout_lease_until' }

const leaseFor = (l: LeaseColumns, owner: string, ms: string) => `${l.owner} = ${owner}, ${l.until} = now() + ${ms} * interval '1 millisecond'`

/**
 * ($1 owner, $2 lease ms, $3 limit) Leases up to $3 rows that are `due` and held by no live lease,
 * in `order`, returning their docs. Skip locked: workers claiming at once take disjoint rows
 * instead of queueing on each other.
 */
export function claimDueSql(l: LeaseColumns, due: string, order: string): string {
  return `update ${l.table} set ${leaseFor(l, '$1', '$2')}
    where id in (
      select id from ${l.table}
       where ${due} and (${l.until} is null or ${l.until} < now())
       order by ${order} limit $3
       for update skip locked)
    returning doc`
}

/** ($1 id, $2 owner, $3 lease ms) Leases one row that is `claimable`, unless another owner's lease runs. */
export function claimOneSql(l: LeaseColumns, claimable: string): string {
  return `update ${l.table} set ${leaseFor(l, '$2', '$3')}
    where id = $1 and ${claimable} and (${l.owner} is null or ${l.owner} = $2 or ${l.until} < now())
    returning doc`
}

/** ($1 id, $2 owner) Ends the owner's lease; another owner's is left alone. */
export function releaseSql(l: LeaseColumns): string {
  return `update ${l.table} set ${l.owner} = null, ${l.until} = null where id = $1 and ${l.owner} = $2`
}
