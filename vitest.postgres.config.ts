import { defineConfig } from 'vitest/config'
import base from './vitest.config'

/**
 * The gateway, webhook and payout suites that touch storage, run again on PostgreSQL
 * (`npm run test:postgres`; MPG_TEST_STORE=postgres gives each test gateway a database of its own).
 * Suites about the lowdb file itself (crash safety, disk full, file modes) stay lowdb-only; several
 * processes on one database are the multi-process slow test's. Webhook fairness stays lowdb-only:
 * the worker's slots are the same on both stores, and its latency bound does not allow for the
 * 250 ms event feed poll of a shared store on a loaded machine. The fast suite's settings, but
 * these files (mergeConfig would add them to its include list instead).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/gateway/{payouts,payout-retry,payout-faults,idempotency,outcomes,races,race-scenarios,reconcile-in-flight,daraja-ambiguous,domain-errors}.test.ts',
      'test/webhooks/{delivery,delivery-log-pages,endpoints,events,stream}.test.ts',
      'test/security/{endpoint-disable,stream-revocation,cursor-oracle,nul-in-ids}.test.ts',
      'test/client/sdk.test.ts',
    ],
    env: { MPG_TEST_STORE: 'postgres' },
  },
})
