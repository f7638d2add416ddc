export interface StopSignals {
  /** Whether a stop came already (e.g. Ctrl-C during start-up). */
  readonly requested: boolean
  /** What stopping means once the command is running; called at once if a stop already came. */
  onStop(stop: () => void): void
  dispose(): void
}

/**
 * For streaming commands: Ctrl-C, SIGTERM and a stdout whose reader went away (`| head`; oclif
 * swallows that EPIPE) all mean "stop, exit 0". Installed before anything slow, so a stop during
 * start-up is not lost to Node's default SIGINT exit.
 */
export function stopSignals(): StopSignals {
  let stop: (() => void) | undefined
  let requested = false
  const fire = () => {
    requested = true
    stop?.()
  }
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') fire()
  }
  process.on('SIGINT', fire)
  process.on('SIGTERM', fire)
  process.stdout.on('error', onStdoutError)
  return {
    get requested() {
      return requested
    },
    onStop(fn) {
      stop = fn
      if (requested) fn()
    },
    dispose() {
      process.off('SIGINT', fire)
      process.off('SIGTERM', fire)
      process.stdout.off('error', onStdoutError)
    },
  }
}
