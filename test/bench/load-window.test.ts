import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

type LoadResult = { requests_in_window: number; requests_in_warmup: number; requests_total: number; ok: number }
type Sample = { at: string; served: number; cpu: Record<string, number | null>; servedAfterPause?: number }
type LoadWindowModule = {
  loadWindow(
    script: string,
    configs: object[],
    sample: (at: 'before' | 'start' | 'end') => Promise<Sample>,
  ): Promise<{ results: LoadResult[]; before: Sample; start: Sample; end: Sample }>
  cpuSample(processes: Record<string, number>): Record<string, number | null>
  cpuPerRequest(before: Record<string, number | null>, after: Record<string, number | null>, requests: number): Record<string, number | null>
}

const benchDir = join(import.meta.dirname, '../../bench')
const { loadWindow, cpuSample, cpuPerRequest } = (await import(pathToFileURL(join(benchDir, 'lib/load-window.js')).href)) as LoadWindowModule

/** Holds this process on the CPU for `ms` of its own CPU time (not wall time). */
function burnCpu(ms: number) {
  const start = process.cpuUsage()
  for (;;) {
    const used = process.cpuUsage(start)
    if ((used.user + used.system) / 1000 >= ms) return
  }
}

// cpu_ms_per_request is the CPU of the measured window over the requests answered in it: the
// warm-up, where a JIT still compiles, is in neither (bench/README.md, "cpu_ms_per_request").
describe('the bench reads CPU time over the measured window only (bench/load.js + bench/lib/load-window.js)', () => {
  let server: Server
  let url: string
  let served = 0
  // A server whose warm-up is expensive: 5 ms of CPU per request until the window starts.
  let warming = true
  beforeAll(async () => {
    server = createServer((req, res) => {
      served++
      if (warming) burnCpu(5)
      req.resume()
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{}'))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('samples between the warm-up and the window, and again at its end; nothing is sent meanwhile', async () => {
    const connections = 2
    const sample = async (at: 'before' | 'start' | 'end'): Promise<Sample> => {
      const s: Sample = { at, served, cpu: cpuSample({ server: process.pid }) }
      if (at === 'start') {
        warming = false
        // The generator waits for its go however long the bench takes to sample.
        await new Promise((resolve) => setTimeout(resolve, 400))
        s.servedAfterPause = served
      }
      return s
    }
    const config = { url, path: '/', method: 'POST', headers: { 'content-type': 'application/json' }, body: {}, connections, warmup: 1, duration: 1 }
    const { results, before, start, end } = await loadWindow(join(benchDir, 'load.js'), [config], sample)
    const [r] = results

    expect(r.requests_in_warmup).toBeGreaterThan(0)
    expect(r.requests_in_window).toBeGreaterThan(0)
    expect(r.requests_total).toBe(r.requests_in_warmup + r.requests_in_window)
    // Every answered warm-up request reached the server before the window's first sample; at most
    // one per connection was still on its way when the warm-up stopped, and none after the pause.
    expect(start.served - before.served).toBeGreaterThanOrEqual(r.requests_in_warmup)
    expect(start.servedAfterPause! - start.served).toBeLessThanOrEqual(connections)
    // The window's answered requests all arrived between its two samples (plus, at most, the
    // warm-up's stragglers and the window's own unanswered last requests).
    const inWindow = end.served - start.served
    expect(inWindow).toBeGreaterThanOrEqual(r.requests_in_window)
    expect(inWindow).toBeLessThanOrEqual(r.requests_in_window + 2 * connections)

    // The warm-up's 5 ms per request is in the warm-up's figure and not in the window's.
    const warmup = cpuPerRequest(before.cpu, start.cpu, r.requests_in_warmup).server!
    const window = cpuPerRequest(start.cpu, end.cpu, r.requests_in_window).server!
    expect(warmup).toBeGreaterThanOrEqual(5)
    expect(window).toBeLessThan(warmup / 2)
  }, 30_000)

  it("rejects with the sampler's error when a sample fails", async () => {
    warming = false
    const failing = loadWindow(join(benchDir, 'load.js'), [{ url, path: '/', connections: 1, warmup: 1, duration: 1 }], async (at) => {
      if (at === 'start') throw new Error('sampling failed')
      return { at, served, cpu: {} }
    })
    await expect(failing).rejects.toThrow('sampling failed')
  }, 30_000)

  it('a generator left waiting for its window exits when the bench goes away (its stdin closes)', async () => {
    warming = false
    const child = spawn(process.execPath, [join(benchDir, 'load.js'), JSON.stringify({ url, path: '/', connections: 1, warmup: 1, duration: 30, handshake: true })], { stdio: ['pipe', 'pipe', 'inherit'] })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const [first] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string]
      expect(JSON.parse(first.split('\n')[0])).toMatchObject({ phase: 'warmed_up' })
      const servedBefore = served
      child.stdin.end()
      // Exit code 3, without running the 30 s window.
      expect(await exited).toBe(3)
      expect(served - servedBefore).toBeLessThanOrEqual(1)
    } finally {
      child.kill('SIGKILL')
    }
  }, 30_000)
})
