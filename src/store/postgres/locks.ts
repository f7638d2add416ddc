/**
 * Advisory lock keys (one namespace per database). Fixed numbers so every process, of any
 * version, agrees on them.
 */
/** Held (session) while applying schema migrations. */
export const LOCK_MIGRATIONS = 7_262_001
/** Held (transaction) from taking event sequence numbers until commit: events become visible in seq order. */
export const LOCK_EVENTS = 7_262_002
/** Held (session) by the leader: reconciliation, housekeeping, start-up recovery, bootstrap. */
export const LOCK_LEADER = 7_262_003
