import { spawn } from 'node:child_process'
import { repoRoot } from './run-cli.js'

export interface PtyRun {
  /** Everything the terminal showed so far (stdout and stderr of the command, as a person sees them). */
  screen(): string
  /** Resolves once the screen matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Types into the terminal ("\r" is Enter, "\x03" is Ctrl-C). */
  type(text: string): void
  exited: Promise<number | null>
}

/**
 * Runs a shell command in a pseudo-terminal through util-linux `script`, so the command sees a TTY
 * on stdin, stdout and stderr like a person's terminal (redirect inside `command` to take one away).
 * `script -e` exits with the command's own exit code.
 */
export function runInPty(command: string, env: NodeJS.ProcessEnv = {}): PtyRun {
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: repoRoot,
    env: { ...process.env, CI: '', NO_COLOR: '1', TERM: 'xterm', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let screen = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  void exited.then(() => clearTimeout(killer))
  return {
    screen: () => screen,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(screen)) {
        if (Date.now() > deadline) throw new Error(`terminal never showed ${pattern}; it shows:\n${screen}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    type(text) {
      child.stdin.write(text)
    },
    exited,
  }
}

/** What a terminal shows, without colour and cursor escape codes. */
export function plain(screen: string): string {
  return screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')
}

/** A command line for the shell: each argument single-quoted. */
export function shellLine(args: string[]): string {
  return args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ')
}
