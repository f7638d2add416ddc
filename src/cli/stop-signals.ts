/** How a stop came: Ctrl-C, a supervisor's SIGTERM, or a stdout whose reader went away. */
export type StopReason = 'interrupt' | 'terminate' | 'pipe'

export interface StopSignals {
  /** Whether a stop came already (e.g. Ctrl-C during start-up). */
  readonly requested: boolean
  readonly reason: StopReason | undefined
  /** Aborts on the first stop: hand it to anything that waits. */
  readonly signal: AbortSignal
  /** What stopping means once the command is running; called at once if a stop already came. */
  onStop(stop: () => void): void
  dispose(): void
}

/** Ctrl-C at a prompt or during a wait: the base command exits 130 without an error message. */
export class Interrupted extends Error {
  constructor() {
    super('Interrupted')
    this.name = 'Interrupted'
  }
}

/**
 * For commands that wait: Ctrl-C, SIGTERM and a stdout whose reader went away (`| head`; oclif
 * swallows that EPIPE) all mean "stop". Installed before anything slow, so a stop during start-up
 * is not lost to Node's default SIGINT exit. The base command turns an interrupt into exit 130.
 */
export function stopSignals(): StopSignals {
  const controller = new AbortController()
  let stop: (() => void) | undefined
  let reason: StopReason | undefined
  const fire = (why: StopReason) => {
    if (reason) return
    reason = why
    controller.abort()
    stop?.()
  }
  const onInt = () => fire('interrupt')
  const onTerm = () => fire('terminate')
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') fire('pipe')
  }
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  process.stdout.on('error', onStdoutError)
  return {
    get requested() {
      return reason !== undefined
    },
    get reason() {
      return reason
    },
    signal: controller.signal,
    onStop(fn) {
      stop = fn
      if (reason) fn()
    },
    dispose() {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      process.stdout.off('error', onStdoutError)
    },
  }
}
