/**
 * A small spinner on stderr for waits, drawn only for a person at a TTY (never under --json, CI or
 * a redirected stderr). Without a TTY, `update()` texts are written once each as plain lines.
 */
export interface Spinner {
  update(text: string): void
  /** Stops and clears the line; safe to call more than once. */
  stop(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function startSpinner(text: string, options: { enabled: boolean; stream?: NodeJS.WriteStream; plain?: boolean } = { enabled: true }): Spinner {
  const stream = options.stream ?? process.stderr
  const animated = options.enabled && Boolean(stream.isTTY) && !process.env.CI
  let current = text
  let frame = 0
  let stopped = false
  if (!animated) {
    if (options.enabled && options.plain !== false) stream.write(`${text}\n`)
    return {
      update(next) {
        if (!stopped && options.enabled && options.plain !== false && next !== current) stream.write(`${next}\n`)
        current = next
      },
      stop() {
        stopped = true
      },
    }
  }
  const draw = () => stream.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${current}`)
  draw()
  const timer = setInterval(draw, 80)
  timer.unref()
  return {
    update(next) {
      current = next
      if (!stopped) draw()
    },
    stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      stream.write('\r\u001b[2K')
    },
  }
}
