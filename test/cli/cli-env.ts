import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startCheckingProxy, type CheckingProxy } from '../helpers/openapi-proxy.js'
import { repoRoot, runBin } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp-dir.js'

/** A fresh config dir, so no test reads or writes the real ~/.config (removed after the test file). */
export function tempConfigDir(): string {
  return tempDir('mpg-cli-config-')
}

/** What a CLI test file works with. */
export interface CliRig {
  gateway: TestGateway
  configDir: string
  /** The gateway behind a proxy that holds every answer to the OpenAPI document: give `mpg` its URL. */
  checked: CheckingProxy
}

/**
 * A test gateway and a private config dir for the CLI tests of a file: a fresh pair for each test
 * (`'test'`) or one for the whole file (`'file'`), closed and removed after; `use` hands them to
 * the file's own variables: `cliGateway('test', (rig) => ({ gateway, configDir } = rig))`. An
 * answer `mpg` got through `checked` that the OpenAPI document does not describe fails the file.
 */
export function cliGateway(per: 'test' | 'file', use: (rig: CliRig) => void): void {
  let rig: CliRig | undefined
  const [before, after] = per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll]
  before(async () => {
    const gateway = await startTestGateway()
    rig = { gateway, configDir: tempConfigDir(), checked: await startCheckingProxy(gateway.url) }
    use(rig)
  })
  after(async () => {
    if (!rig) return
    const { checked } = rig
    await checked.close()
    await rig.gateway.close()
    removeDir(rig.gateway.dataDir)
    removeDir(rig.configDir)
    rig = undefined
    expect(checked.drift).toEqual([])
  })
}

/** The environment a CLI test runs `mpg` with: one gateway, one key, a private config dir. */
export function cliEnv(gateway: { url: string; key: string }, configDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { MPG_BASE_URL: gateway.url, MPG_API_KEY: gateway.key, MPG_CONFIG_DIR: configDir, MPG_ADMIN_TOKEN: '', MPG_DATA_DIR: configDir, MPG_PROFILE: '', ...extra }
}

export interface SpawnedCli {
  child: ChildProcessWithoutNullStreams
  lines: string[]
  /** Resolves with stdout line `index` (0-based) once it has arrived. */
  nextLine(index: number, timeoutMs?: number): Promise<string>
  /** Resolves once `count` stdout lines match. */
  waitForLines(count: number, match: (line: string) => boolean, timeoutMs?: number): Promise<string[]>
  /** Resolves once stderr has said `Connected` (or `Reconnected`) `times` times in all (tail, listen). */
  connected(times?: number, timeoutMs?: number): Promise<void>
  stderr(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** A long-running `mpg` command (tail, listen) spawned as a user would, with stdout read by line. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv): SpawnedCli {
  const child = spawn(process.execPath, [runBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams
  const lines: string[] = []
  const wakers = new Set<() => void>()
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
    for (const wake of wakers) wake()
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    for (const wake of wakers) wake()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  const waitUntil = async (ready: () => boolean, what: () => string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`${what()}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)
      await new Promise<void>((resolve) => {
        const done = () => {
          wakers.delete(done)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(done, 100)
        wakers.add(done)
      })
    }
  }
  return {
    child,
    lines,
    async nextLine(index, timeoutMs = 15_000) {
      await waitUntil(() => lines.length > index, () => `no stdout line ${index}`, timeoutMs)
      return lines[index]
    },
    async waitForLines(count, match, timeoutMs = 15_000) {
      await waitUntil(() => lines.filter(match).length >= count, () => `expected ${count} matching stdout lines`, timeoutMs)
      return lines.filter(match)
    },
    connected(times = 1, timeoutMs = 15_000) {
      return waitUntil(() => (stderr.match(/Connected|Reconnected/g) ?? []).length >= times, () => `not connected ${times}×`, timeoutMs)
    },
    stderr: () => stderr,
    exited,
  }
}

/** oclif wraps error lines to the terminal width behind " ›   ": joined back into one line. */
export function flat(stderr: string): string {
  return stderr.replace(/\n\s*›\s*/g, ' ').replace(/\s+/g, ' ')
}
