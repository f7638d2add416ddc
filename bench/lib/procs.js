// Helpers the bench scripts share: child processes that print their JSON "ready" line first, CPU
// time from /proc, and small statistics.
import { spawn, spawnSync } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'

/** Every child a bench script starts, killed on exit (see killChildren). */
export const children = new Set()

export function killChildren() {
  for (const child of children) child.kill('SIGKILL')
}

/**
 * Starts a node process and resolves with the JSON of its first stdout line. With `logFile`,
 * stdout goes to that file (the gateway's per-request log lines), as it would in production.
 */
export function start(name, nodeArgs, { env = {}, logFile, cwd, readyTimeoutMs = 20_000 } = {}) {
  const out = logFile ? openSync(logFile, 'w') : 'pipe'
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true', CI: 'true', NO_COLOR: '1', NODE_ENV: 'production', ...env },
    stdio: ['ignore', out, 'pipe'],
  })
  children.add(child)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)))
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const ready = new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`${name} ${why}\n${stderr}`))
    child.once('exit', (code) => fail(`exited (${code}) before it was ready`))
    const timer = setTimeout(() => fail(`was not ready within ${readyTimeoutMs / 1000} s`), readyTimeoutMs)
    const done = (line) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(line))
      } catch {
        fail(`printed a first line that is not JSON: ${line.slice(0, 200)}`)
      }
    }
    if (logFile) {
      const poll = setInterval(() => {
        const text = readFileSync(logFile, 'utf8')
        const nl = text.indexOf('\n')
        if (nl >= 0) {
          clearInterval(poll)
          done(text.slice(0, nl))
        }
      }, 20)
      child.once('exit', () => clearInterval(poll))
    } else {
      let buffer = ''
      const onData = (chunk) => {
        buffer += chunk
        const nl = buffer.indexOf('\n')
        if (nl >= 0) {
          child.stdout.off('data', onData)
          child.stdout.resume()
          done(buffer.slice(0, nl))
        }
      }
      child.stdout.setEncoding('utf8').on('data', onData)
    }
  })
  return {
    child,
    pid: child.pid,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
      children.delete(child)
    },
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; null where unreadable. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
  } catch {
    return null
  }
}

/** CPU ms of a process's main thread so far (/proc/PID/task/PID/stat): the event loop's share of cpuMs. */
export function mainThreadCpuMs(pid) {
  return cpuMs(`${pid}/task/${pid}`)
}

/** User and system CPU ms of a process so far (/proc/PID/stat utime, stime), or null once it is gone. */
export function cpuSplitMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: (Number(fields[11]) * 1000) / CLK_TCK, sys: (Number(fields[12]) * 1000) / CLK_TCK }
  } catch {
    return null
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
export const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
export const percentile = (values, p) => {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}
export const round = (value, digits = 2) => (value === null || value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits)

/**
 * fetch, tried once more when a kept-alive socket was closed under it (the servers' 5 s
 * keepAliveTimeout can end an idle connection just as it is reused, e.g. after seeding a store).
 */
export async function request(url, init) {
  try {
    return await fetch(url, init)
  } catch (error) {
    if (error?.cause?.code !== 'UND_ERR_SOCKET' && error?.cause?.code !== 'ECONNRESET') throw error
    return fetch(url, init)
  }
}

export async function getJson(url, init) {
  const res = await request(url, init)
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

