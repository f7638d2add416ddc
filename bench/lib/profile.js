// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time.
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

export function summarizeProfile(file, limit = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const deltas = profile.timeDeltas
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])
    const dt = deltas[i] ?? 0
    total += dt
    const frame = node.callFrame
    const key = `${frame.functionName || '(anonymous)'}\u0000${frame.url ? `${relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}` : ''}`
    self.set(key, (self.get(key) ?? 0) + dt)
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, us]) => {
      const [name, where] = key.split('\u0000')
      return { name, where, self_pct: Math.round((us / total) * 1000) / 10 }
    })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25))) console.log(`${String(f.self_pct).padStart(5)}%  ${f.name}  ${f.where}`)
}
