import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

type Calibration = { at: string; cpu_ms: number }
type Drift = {
  calibration_cpu_ms_at_start: number | null
  calibration_cpu_ms_at_end: number | null
  calibration_drift: number | null
  calibration_spread: number | null
  bare_cpu_drift: number | null
  changed: boolean
  reasons: string[]
}
type DriftModule = {
  DRIFT_LIMITS: { calibration: number; bare_cpu: number }
  machineDrift(input: { calibrations?: Calibration[]; bare?: { start?: number | null; end?: number | null } }): Drift
  notComparableNote(input: { outsideLoad: boolean; drift?: Drift }): string
}
type CalibrateModule = { calibrate(options?: { rounds?: number; gapMs?: number }): Promise<{ cpu_ms: number; alu_ms: number; json_ms: number }> }

const bench = (file: string) => pathToFileURL(join(import.meta.dirname, '../../bench/lib', file)).href
const { DRIFT_LIMITS, machineDrift, notComparableNote } = (await import(bench('drift.js'))) as DriftModule
const { calibrate } = (await import(bench('calibrate.js'))) as CalibrateModule

const steady: Calibration[] = [
  { at: 'bare', cpu_ms: 36.9 },
  { at: 'push-path', cpu_ms: 37.2 },
  { at: 'end', cpu_ms: 36.6 },
]

// A run is compared with others only when the machine ran at one speed through it (bench/README.md,
// "machine_drift"): the run after the idle full run at 448486f read bare at 0.16 ms of CPU per
// request against 0.095 and every ratio against bare high, and nothing in its output said so.
describe('the bench marks a run whose machine changed speed (bench/lib/drift.js)', () => {
  it('leaves a run alone whose calibration and bare stayed within the limits', () => {
    const drift = machineDrift({ calibrations: steady, bare: { start: 0.095, end: 0.099 } })
    expect(drift.changed).toBe(false)
    expect(drift.reasons).toEqual([])
    expect(drift.calibration_cpu_ms_at_start).toBe(36.9)
    expect(drift.calibration_cpu_ms_at_end).toBe(36.6)
    expect(drift.calibration_spread).toBeCloseTo((37.2 - 36.6) / 36.6, 3)
    expect(drift.bare_cpu_drift).toBeCloseTo(0.042, 3)
    expect(notComparableNote({ outsideLoad: false, drift })).toBe('')
  })

  it('marks the run of last session: bare 0.095 → 0.16 ms of CPU per request', () => {
    const drift = machineDrift({ calibrations: steady, bare: { start: 0.095, end: 0.16 } })
    expect(drift.changed).toBe(true)
    expect(drift.bare_cpu_drift).toBeCloseTo(0.684, 3)
    expect(drift.reasons).toHaveLength(1)
    expect(drift.reasons[0]).toContain('0.16')
    expect(drift.reasons[0]).toContain('+68%')
    expect(notComparableNote({ outsideLoad: false, drift })).toMatch(/MACHINE SPEED CHANGED DURING THE RUN .*: not comparable\)$/)
  })

  it('marks a slowdown in the middle of the run that is gone by its end', () => {
    const calibrations = [...steady.slice(0, 2), { at: 'full-flow', cpu_ms: 36.9 * (1 + DRIFT_LIMITS.calibration + 0.05) }, steady[2]]
    const drift = machineDrift({ calibrations, bare: { start: 0.095, end: 0.096 } })
    expect(drift.calibration_drift).toBeCloseTo(-0.008, 3)
    expect(drift.changed).toBe(true)
    expect(drift.reasons[0]).toContain('full-flow')
  })

  it('marks a machine that got faster as well as slower', () => {
    expect(machineDrift({ bare: { start: 0.16, end: 0.095 } }).changed).toBe(true)
  })

  it('says both when the run was also under outside load', () => {
    const drift = machineDrift({ calibrations: steady, bare: { start: 0.095, end: 0.16 } })
    expect(notComparableNote({ outsideLoad: true, drift })).toMatch(/^ \(TAKEN UNDER OUTSIDE LOAD; MACHINE SPEED CHANGED/)
    expect(notComparableNote({ outsideLoad: true, drift: machineDrift({ calibrations: steady }) })).toBe(' (TAKEN UNDER OUTSIDE LOAD: not comparable)')
  })

  it('has nothing to say about what was measured once (an --only run without bare at both ends)', () => {
    const drift = machineDrift({ calibrations: [steady[0]] })
    expect(drift.calibration_spread).toBeNull()
    expect(drift.bare_cpu_drift).toBeNull()
    expect(drift.changed).toBe(false)
  })

  it('calibrates with CPU time of both kinds of work, their sum the figure', async () => {
    const c = await calibrate({ rounds: 2, gapMs: 0 })
    expect(c.alu_ms).toBeGreaterThan(0)
    expect(c.json_ms).toBeGreaterThan(0)
    expect(c.cpu_ms).toBeCloseTo(c.alu_ms + c.json_ms, 1)
  })
})
