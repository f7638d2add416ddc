import { isoTime } from '../utils/iso-time.js'

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

/** A log line's time: the machine's, as ISO 8601 text (isoTime keeps the second's text). */
const logTime = (): string => isoTime(Date.now())

function human(level: LogLevel, event: string, fields: Record<string, unknown>): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  const tag = level === 'info' ? '' : `${level.toUpperCase()} `
  return `${logTime()} ${tag}${event}${parts.length ? ` ${parts.join(' ')}` : ''}`
}

/** Field names of the line itself: a field of the same name replaces it, as in a spread. */
const OWN_NAMES = new Set(['type', 'event', 'level', 'time'])

/**
 * One NDJSON line: `{"type","event","level","time",...fields}`, the fields' JSON appended to the
 * line's own four instead of spread into a new object first (a spread that adds fields takes V8's
 * slow path; a busy gateway writes ~9 lines per payment). Fields that reuse a name of the line go
 * through the spread, so the text is the same in every case.
 */
function jsonLine(level: LogLevel, event: string, fields: Record<string, unknown>): string {
  for (const name in fields) if (OWN_NAMES.has(name)) return JSON.stringify({ type: event, event, level, time: logTime(), ...fields })
  const name = JSON.stringify(event)
  const rest = JSON.stringify(fields)
  return `{"type":${name},"event":${name},"level":"${level}","time":"${logTime()}"${rest.length === 2 ? '}' : `,${rest.slice(1)}`}`
}

/**
 * Structured logs: NDJSON with `--json`, one readable line otherwise. Callers pass only masked
 * values (no API keys, no full phone numbers): see maskPhone and maskCallbackToken.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const log = (level: LogLevel, event: string, fields: Record<string, unknown> = {}) => {
    if (options.silent) return
    write(options.json ? jsonLine(level, event, fields) : human(level, event, fields))
  }
  return {
    log,
    info: (event, fields) => log('info', event, fields),
    warn: (event, fields) => log('warn', event, fields),
    error: (event, fields) => log('error', event, fields),
  }
}

/** How long a log line may wait for the ones after it before they are written together. */
export const LOG_FLUSH_MS = 20
/** Lines waiting are written at once when they reach this many characters. */
const LOG_FLUSH_CHARS = 64 * 1024

/**
 * Lines written together: every line logged within `waitMs` of the first one waiting goes out in
 * one write (a busy gateway logs two lines per request; written per event-loop turn they still
 * cost ~0.4 write system calls per request, at 20 ms a few dozen a second whatever the load), or
 * sooner once 64 KiB are waiting. `flush()` writes what is waiting at once (before exit, or
 * before anything else is printed on the same stream); the timer does not keep a process alive.
 */
export function batchedLines(writeText: (text: string) => void, waitMs = LOG_FLUSH_MS): { write(line: string): void; flush(): void } {
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    if (pending === '') return
    const text = pending
    pending = ''
    writeText(text)
  }
  return {
    write(line) {
      pending += `${line}\n`
      if (pending.length >= LOG_FLUSH_CHARS) flush()
      else if (timer === undefined) {
        timer = setTimeout(flush, waitMs)
        timer.unref()
      }
    },
    flush,
  }
}
