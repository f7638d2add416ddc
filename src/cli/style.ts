import type { ChalkInstance } from 'chalk'

/**
 * Colours for people: through chalk, off with NO_COLOR (any value) or when the stream is not a
 * TTY, forced on with FORCE_COLOR. chalk is loaded on first use, not at start-up.
 */
export async function loadStyle(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Promise<ChalkInstance> {
  const { Chalk, supportsColor } = await import('chalk')
  return new Chalk({ level: colourLevel(stream, env, supportsColor ? supportsColor.level : 0) })
}

export function colourLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, supported: 0 | 1 | 2 | 3): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return supported || 1
  if (!stream.isTTY) return 0
  return supported || 1
}

/** The colour of an outcome: green for success, red for failure, yellow for anything still open. */
export function outcomeColour(style: ChalkInstance, outcome: string): (text: string) => string {
  if (/success|settled/.test(outcome)) return style.green
  if (/failed|error/.test(outcome)) return style.red
  return style.yellow
}
