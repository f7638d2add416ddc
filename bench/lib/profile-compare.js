#!/usr/bin/env node
// Two servers' CPU profiles side by side, in µs of self time per push: what one does that the other
// does not. Reads the DIR/NAME.json files bench/push-ab.js --cpu-prof writes (each lists its
// bursts' .cpuprofile files and its pushes), sums each function's self time over the bursts, and
// prints the functions and the groups (our files, node's modules, undici, zod, V8's own entries)
// whose time differs most.
//
//   node bench/lib/profile-compare.js A.json B.json [--top N] [--grep TEXT]
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const at = (flag, fallback) => {
  const i = args.indexOf(flag)
  if (i < 0) return fallback
  const [, value] = args.splice(i, 2)
  return value
}
const top = Number(at('--top', 40))
const grep = at('--grep', '')
const [fileA, fileB] = args

/** Where a frame belongs: a file of ours, a node module, a package, or one of V8's own entries. */
function groupOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native)'
  const path = url.replace(/^file:\/\//, '')
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (pkg) return pkg[1]
  if (path.startsWith('node:')) return path.replace(/^node:internal\//, 'node:').replace(/\/.*$/, '')
  const own = /\/(dist\/src|src|bench)\/(.*)$/.exec(path)
  return own ? `${own[1] === 'bench' ? 'bench/' : ''}${own[2]}` : path
}

function load(file) {
  const meta = JSON.parse(readFileSync(file, 'utf8'))
  const fns = new Map()
  const groups = new Map()
  let total = 0
  for (const part of meta.profiles) {
    const profile = JSON.parse(readFileSync(part, 'utf8'))
    const byId = new Map(profile.nodes.map((n) => [n.id, n]))
    for (let i = 0; i < profile.samples.length; i++) {
      const node = byId.get(profile.samples[i])
      const dt = profile.timeDeltas[i] ?? 0
      const f = node.callFrame
      if (f.functionName === '(idle)') continue
      total += dt
      const group = groupOf(f.url, f.functionName)
      const key = `${f.functionName || '(anonymous)'} ${group}:${f.lineNumber + 1}`
      fns.set(key, (fns.get(key) ?? 0) + dt)
      groups.set(group, (groups.get(group) ?? 0) + dt)
    }
  }
  const per = (m) => new Map([...m].map(([k, us]) => [k, us / meta.pushes]))
  return { name: meta.build, pushes: meta.pushes, cpu: meta.gateway_cpu_ms_per_push, total: total / meta.pushes, fns: per(fns), groups: per(groups) }
}

const a = load(fileA)
const b = load(fileB)
const fmt = (x) => (x === undefined ? '-' : x.toFixed(2)).padStart(7)
console.log(`A ${a.name}: ${a.pushes} pushes, /proc ${a.cpu} ms/push, sampled ${a.total.toFixed(1)} µs/push (main thread)`)
console.log(`B ${b.name}: ${b.pushes} pushes, /proc ${b.cpu} ms/push, sampled ${b.total.toFixed(1)} µs/push (main thread)`)
for (const [title, key] of [['groups', 'groups'], ['functions', 'fns']]) {
  const names = new Set([...a[key].keys(), ...b[key].keys()])
  const rows = [...names]
    .filter((n) => !grep || n.includes(grep))
    .map((n) => ({ n, a: a[key].get(n), b: b[key].get(n), d: (a[key].get(n) ?? 0) - (b[key].get(n) ?? 0) }))
    .sort((x, y) => Math.abs(y.d) - Math.abs(x.d))
    .slice(0, top)
  console.log(`\n${title}: µs self per push   A   B   A-B`)
  for (const r of rows) console.log(`${fmt(r.a)} ${fmt(r.b)} ${fmt(r.d)}  ${r.n}`)
}
