// Whether the machine's speed changed during a run, from what the run measured twice: the fixed
// calibration work (bench/lib/calibrate.js) before every part and at the end, and the bare server's
// CPU per request at the start and again after the last part that is divided by it. Ratios are
// taken within one run, so a machine that slowed between bare and the server it is divided by
// reads as a faster (or slower) server; such a run is marked, like a run under outside load.

/** Above these, a run is marked not comparable (bench/README.md, "machine_drift"). */
export const DRIFT_LIMITS = { calibration: 0.1, bare_cpu: 0.15 }

const change = (from, to) => (typeof from === 'number' && typeof to === 'number' && from > 0 ? Math.round(((to - from) / from) * 1000) / 1000 : null)

/**
 * calibrations: [{at, cpu_ms}] in the order taken; bare: {start, end} CPU ms per request of the
 * bare server (either null where not measured). Returns the figures for `run.machine_drift`:
 * calibration at the start and end, its spread over the run ((max − min) ÷ min: a slowdown in the
 * middle counts too), bare's change, and `changed` with the reasons when a limit is passed.
 */
export function machineDrift({ calibrations = [], bare = {} }, limits = DRIFT_LIMITS) {
  const values = calibrations.map((c) => c.cpu_ms).filter((v) => typeof v === 'number' && v > 0)
  const min = values.length ? Math.min(...values) : null
  const max = values.length ? Math.max(...values) : null
  const spread = values.length > 1 ? change(min, max) : null
  const first = calibrations[0]?.cpu_ms ?? null
  const last = calibrations.at(-1)?.cpu_ms ?? null
  const bareChange = change(bare.start ?? null, bare.end ?? null)
  const reasons = []
  if (spread !== null && spread > limits.calibration) {
    const slowest = calibrations.find((c) => c.cpu_ms === max)
    const fastest = calibrations.find((c) => c.cpu_ms === min)
    reasons.push(`the calibration work took ${max} ms of CPU (${slowest.at}) against ${min} (${fastest.at}): ${Math.round(spread * 100)}% apart, over the ${limits.calibration * 100}% limit`)
  }
  if (bareChange !== null && Math.abs(bareChange) > limits.bare_cpu) {
    reasons.push(`bare took ${bare.end} ms of CPU per request at the end against ${bare.start} at the start: ${bareChange > 0 ? '+' : ''}${Math.round(bareChange * 100)}%, over the ±${limits.bare_cpu * 100}% limit`)
  }
  return {
    calibration_cpu_ms_at_start: first,
    calibration_cpu_ms_at_end: last,
    calibration_drift: change(first, last),
    calibration_spread: spread,
    calibrations,
    bare_cpu_ms_per_request_at_start: bare.start ?? null,
    bare_cpu_ms_per_request_at_end: bare.end ?? null,
    bare_cpu_drift: bareChange,
    limits,
    changed: reasons.length > 0,
    reasons,
  }
}

/** The words the run's header and chart add for a run not to be compared with others (none: ''). */
export function notComparableNote({ outsideLoad, drift }) {
  const notes = []
  if (outsideLoad) notes.push('TAKEN UNDER OUTSIDE LOAD')
  if (drift?.changed) notes.push(`MACHINE SPEED CHANGED DURING THE RUN (${drift.reasons.join('; ')})`)
  return notes.length ? ` (${notes.join('; ')}: not comparable)` : ''
}
