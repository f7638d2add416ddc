import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const runBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number | null
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
}

/**
 * Runs `mpg` as a user would: the compiled `bin/run.js` in a child process, stdin closed,
 * `CI` set, no colours. `npm test` builds first, so dist/ is current.
 */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: {
        ...process.env,
        CI: 'true',
        NO_COLOR: '1',
        OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
        NODE_ENV: 'production',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (exitCode) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, exitCode })
    })
  })
}

/** oclif wraps error text at the terminal width: join it back into one line for matching. */
export function unwrap(text: string): string {
  return text.replace(/\s*\n\s*(›\s*)?/g, ' ').replace(/\s+/g, ' ')
}
