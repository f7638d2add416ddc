// A PostgreSQL server for the bench: MPG_BENCH_DATABASE_URL when set (a server the bench may
// create databases on), else a throwaway cluster made with the same recipe the tests use
// (test/helpers/pg-cluster.ts: initdb in a temp dir, as the postgres user when run as root), else
// none, with the reason.
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'

export async function benchPostgres() {
  if (process.env.MPG_BENCH_DATABASE_URL) return { url: process.env.MPG_BENCH_DATABASE_URL, source: 'MPG_BENCH_DATABASE_URL', stop() {} }
  try {
    const { tsImport } = await import('tsx/esm/api')
    const { findPgBin, startCluster } = await tsImport('../../test/helpers/pg-cluster.ts', import.meta.url)
    const bin = findPgBin()
    if (!bin) return { skipped: 'no PostgreSQL: set MPG_BENCH_DATABASE_URL=postgres://… or install PostgreSQL (initdb, pg_ctl)' }
    const cluster = await startCluster(bin)
    return { url: cluster.url, source: `throwaway cluster (${bin})`, stop: () => cluster.stop() }
  } catch (error) {
    return { skipped: `could not start PostgreSQL: ${error.message.split('\n')[0]}` }
  }
}

async function onServer(serverUrl, statements) {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    for (const sql of statements) await client.query(sql)
  } finally {
    await client.end()
  }
}

/** A new, empty database on the server, so that each measurement starts from the same place. */
export async function freshDatabase(serverUrl, name) {
  await onServer(serverUrl, [`drop database if exists ${name}`, `create database ${name}`])
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Drops a database made by freshDatabase (a server given by MPG_BENCH_DATABASE_URL keeps no bench data). */
export function dropDatabase(serverUrl, name) {
  return onServer(serverUrl, [`drop database if exists ${name}`])
}

/**
 * The PostgreSQL server's processes on this machine (its postmaster, found by the port in its
 * command line, and the postmaster's children: backends, checkpointer, WAL writer), for the CPU
 * time they spend; empty when the server is elsewhere.
 */
export function serverPids(serverUrl) {
  const port = new URL(serverUrl).port || '5432'
  const procs = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      if (comm !== 'postgres') continue
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ')
      procs.push({ pid: Number(entry), ppid, cmdline })
    } catch {
      // gone meanwhile
    }
  }
  const postmaster = procs.find((p) => new RegExp(`-p ${port}(\\s|$)`).test(p.cmdline))
  return postmaster ? [postmaster.pid, ...procs.filter((p) => p.ppid === postmaster.pid).map((p) => p.pid)] : []
}
