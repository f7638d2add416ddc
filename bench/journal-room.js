#!/usr/bin/env node
// What the room written ahead of the journal's appends does to each append (src/store/journal.ts):
// `node bench/journal-room.js [--rounds K] [--appends N] [--every MS] [--room BYTES,…]`.
//
// Appends of 36 change lines (~3.6 KB, a group commit of about nine pushes at half rate) through the
// store's own Journal (dist/, so build first), each awaited, back to back or one every MS ms, into
// a fresh journal beside this checkout (the data dir's disk, not tmpfs) for each room size (0: no
// room, appends grow the file), the sizes alternated round by round. Prints each size's p50 / p90
// / p99 per round, in ms.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Journal } from '../dist/src/store/journal.js'
import { percentile, round } from './lib/procs.js'

const argv = process.argv.slice(2)
const option = (name, fallback) => {
  const at = argv.indexOf(name)
  return at < 0 ? fallback : argv[at + 1]
}
const rounds = Number(option('--rounds', 4))
const appends = Number(option('--appends', 1500))
const every = Number(option('--every', 0))
const rooms = option('--room', `0,${1024 * 1024},${256 * 1024},${64 * 1024}`).split(',').map(Number)
const root = fileURLToPath(new URL('..', import.meta.url))

const entries = Array.from({ length: 36 }, (_, i) => ({ c: 'transactions', k: `txn_${i}`, p: { status: 'pending', checkout_request_id: `ws_CO_${'x'.repeat(40)}`, result_desc: 'y'.repeat(20) } }))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const results = new Map(rooms.map((room) => [room, []]))
for (let r = 0; r < rounds; r++) {
  for (const room of r % 2 ? [...rooms].reverse() : rooms) {
    const dir = mkdtempSync(join(root, '.journal-room-'))
    try {
      const journal = new Journal(join(dir, 'gateway.journal'), undefined, room)
      await journal.open()
      const took = []
      const start = performance.now()
      for (let i = 0; i < appends; i++) {
        if (every > 0) {
          const wait = start + i * every - performance.now()
          if (wait > 0) await sleep(wait)
        }
        const t = performance.now()
        await journal.append(entries)
        took.push(performance.now() - t)
      }
      await journal.close()
      results.get(room).push([50, 90, 99].map((p) => round(percentile(took, p), 2)).join(' / '))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
for (const [room, rows] of results) process.stdout.write(`room ${room === 0 ? 'none' : `${room / 1024} KiB`}: ${rows.join('   ')}\n`)
process.stdout.write(`load average ${loadavg().map((x) => round(x, 2)).join(' ')}\n`)
