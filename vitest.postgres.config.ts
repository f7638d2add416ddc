import { defineConfig } from 'vitest/config'
import base from './vitest.config'

/**
 * The gateway, webhook and payout suites that touch storage, run again on PostgreSQL
 * (`npm run test:postgres`; MPG_TEST_STORE=postgres gives each test gateway a database of its own).
 * Suites about the lowdb file itself (crash safety, disk full, file modes) stay lowdb-only; several
 * processes on one database are the multi-process slow test's. The fast suite's settings, but
 * these files (mergeConfig would add them to its include list instead).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/gateway/{payouts,payout-retry,payout-faults,idempotency,outcomes,races,race-scenarios,reconcile-in-flight,daraja-ambiguous,domain-errors}.test.ts',
      'test/webhooks/{delivery,endpoints,events,stream}.test.ts',
      'test/security/{endpoint-disable,stream-revocation,cursor-oracle,webhook-fairness}.test.ts',
      'test/client/sdk.test.ts',
    ],
    env: { MPG_TEST_STORE: 'postgres' },
  },
})
