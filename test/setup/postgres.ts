import type { TestProject } from 'vitest/node'
import { findPgBin, startCluster, type Cluster } from '../helpers/pg-cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL the tests may create databases on, or null when there is none. */
    pgUrl: string | null
  }
}

const truthy = (value: string | undefined) => value !== undefined && value !== '' && value !== '0' && value !== 'false'

/**
 * The PostgreSQL half of the tests: MPG_TEST_DATABASE_URL when set (CI sets it), else a throwaway
 * cluster when PostgreSQL is installed, else skipped with one line. In CI it is never skipped.
 */
export default async function setup(project: TestProject) {
  let url = process.env.MPG_TEST_DATABASE_URL || null
  let cluster: Cluster | undefined
  if (!url) {
    const bin = findPgBin()
    if (bin) {
      cluster = await startCluster(bin)
      url = cluster.url
    } else if (truthy(process.env.CI)) {
      throw new Error('PostgreSQL is required in CI: set MPG_TEST_DATABASE_URL or install PostgreSQL (initdb, pg_ctl).')
    } else {
      console.log('PostgreSQL store tests skipped: set MPG_TEST_DATABASE_URL=postgres://… or install PostgreSQL (initdb) to run them.')
    }
  }
  project.provide('pgUrl', url)
  return () => cluster?.stop()
}
