import { execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

/** The folder with PostgreSQL's server programs (initdb, pg_ctl), or undefined when none is installed. */
export function findPgBin(): string | undefined {
  const candidates: string[] = []
  if (process.env.MPG_PG_BIN) candidates.push(process.env.MPG_PG_BIN)
  try {
    candidates.push(...readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`))
  } catch {
    // Not Debian's layout.
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  } catch {
    // No pg_config on PATH.
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
}

export interface Cluster {
  /** postgres://… of the `postgres` database, superuser, trust authentication. */
  url: string
  stop(): void
}

/**
 * A throwaway PostgreSQL cluster in a temp dir, on a free loopback port. The server refuses to
 * run as root, so as root it runs as the `postgres` user.
 */
export async function startCluster(bin: string): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'mpg-pg-'))
  chmodSync(root, 0o755)
  const dir = join(root, 'pg')
  mkdirSync(dir, { mode: 0o700 })
  const asRoot = userInfo().uid === 0
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const run = (program: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, program), args, { stdio: 'pipe' })
  const port = await freePort()
  const data = join(dir, 'data')
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '-N'])
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`, 'start'])
  } catch (error) {
    rmSync(root, { recursive: true, force: true })
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
    throw new Error(`could not start a PostgreSQL cluster with ${bin}: ${stderr || (error as Error).message}`)
  }
  // A killed test run never reaches stop(): a watchdog stops the cluster once this process is gone.
  const pgCtl = asRoot ? `runuser -u postgres -- ${join(bin, 'pg_ctl')}` : join(bin, 'pg_ctl')
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; ${pgCtl} -D '${data}' -m immediate -w stop; rm -rf '${root}'`], {
    detached: true,
    stdio: 'ignore',
  })
  watchdog.unref()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      watchdog.kill()
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    },
  }
}
