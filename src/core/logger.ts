export type LogLevel = 'info' | 'warn' | 'error'

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void
  info(event: string, fields?: Record<string, unknown>): void
  warn(event: string, fields?: Record<string, unknown>): void
  error(event: string, fields?: Record<string, unknown>): void
}

export interface LoggerOptions {
  json: boolean
  write?: (line: string) => void
  /** Drop everything (library use, tests that do not read logs). */
  silent?: boolean
}

function human(level: LogLevel, event: string, fields: Record<string, unknown>): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  const tag = level === 'info' ? '' : `${level.toUpperCase()} `
  return `${new Date().toISOString()} ${tag}${event}${parts.length ? ` ${parts.join(' ')}` : ''}`
}

/**
 * Structured logs: NDJSON with `--json`, one readable line otherwise. Callers pass only masked
 * values (no API keys, no full phone numbers): see maskPhone and maskCallbackToken.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const log = (level: LogLevel, event: string, fields: Record<string, unknown> = {}) => {
    if (options.silent) return
    write(options.json ? JSON.stringify({ type: event, event, level, time: new Date().toISOString(), ...fields }) : human(level, event, fields))
  }
  return {
    log,
    info: (event, fields) => log('info', event, fields),
    warn: (event, fields) => log('warn', event, fields),
    error: (event, fields) => log('error', event, fields),
  }
}

/**
 * Lines written together: every line logged during one turn of the event loop goes out in one
 * write when the turn ends (a busy gateway logs two or three lines per request, each otherwise
 * its own write system call). `flush()` writes what is waiting at once (before exit, or before
 * anything else is printed on the same stream).
 */
export function batchedLines(writeText: (text: string) => void): { write(line: string): void; flush(): void } {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    writeText(text)
  }
  return {
    write(line) {
      pending += `${line}\n`
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
