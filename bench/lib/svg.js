// Hand-written SVG charts for the bench (no dependency): line panels for the soak's samples, and
// bars of each figure against its target for the Performance table.

const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
const FONT = 'font-family="system-ui, sans-serif"'

/** A readable upper bound for an axis: 1, 2 or 5 × 10^n at or above max. */
function niceMax(max) {
  if (!(max > 0)) return 1
  const step = 10 ** Math.floor(Math.log10(max))
  return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= max)
}

/**
 * Stacked line panels sharing one x axis (seconds).
 * panels: [{title, unit, series: [{name, values: (number|null)[]}]}]
 */
export function linePanels({ title, subtitle = '', x, panels }) {
  const width = 900
  const panelHeight = 170
  const left = 70
  const right = 20
  const notes = [].concat(subtitle)
  const top = 40 + notes.length * 16
  const gap = 46
  const plotWidth = width - left - right
  const height = top + panels.length * (panelHeight + gap) + 10
  const xMax = Math.max(1, ...x)
  const px = (v) => left + (v / xMax) * plotWidth
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="22" font-size="16" font-weight="600">${esc(title)}</text>`,
    ...notes.map((line, i) => `<text x="${left}" y="${40 + i * 16}" fill="#555">${esc(line)}</text>`),
  ]
  panels.forEach((panel, i) => {
    const y0 = top + i * (panelHeight + gap) + 18
    const values = panel.series.flatMap((s) => s.values).filter((v) => typeof v === 'number' && Number.isFinite(v))
    const yMax = niceMax(Math.max(0, ...values))
    const py = (v) => y0 + panelHeight - (v / yMax) * panelHeight
    out.push(`<text x="${left}" y="${y0 - 6}" font-weight="600">${esc(panel.title)} (${esc(panel.unit)})</text>`)
    for (let t = 0; t <= 4; t++) {
      const v = (yMax * t) / 4
      out.push(`<line x1="${left}" x2="${width - right}" y1="${py(v)}" y2="${py(v)}" stroke="#e5e5e5"/>`)
      out.push(`<text x="${left - 6}" y="${py(v) + 4}" text-anchor="end" fill="#555">${esc(+v.toPrecision(3))}</text>`)
    }
    for (let t = 0; t <= 6; t++) {
      const v = (xMax * t) / 6
      out.push(`<text x="${px(v)}" y="${y0 + panelHeight + 16}" text-anchor="middle" fill="#555">${Math.round(v)} s</text>`)
    }
    panel.series.forEach((s, k) => {
      const color = s.color ?? COLORS[k % COLORS.length]
      const points = s.values.map((v, j) => (typeof v === 'number' && Number.isFinite(v) ? `${px(x[j]).toFixed(1)},${py(v).toFixed(1)}` : null)).filter(Boolean)
      if (points.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${points.join(' ')}"/>`)
      out.push(`<text x="${width - right - 4 - k * 130}" y="${y0 - 6}" text-anchor="end" fill="${color}">— ${esc(s.name)}</text>`)
    })
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/**
 * One bar per figure: how far it is from its target (1 = exactly on target; longer is better),
 * green where met and red where missed, with the reference server's figure as a tick where given.
 * rows: [{name, value, op: '>=' | '<=', target, reference?, label}]
 */
export function targetBars({ title, subtitle = '', rows }) {
  const width = 900
  const rowHeight = 34
  const left = 300
  const right = 40
  const top = 70
  const plotWidth = width - left - right
  const height = top + rows.length * rowHeight + 40
  const cap = 3
  const score = (value, op, target) => (typeof value !== 'number' || !(value > 0) ? null : Math.min(cap, op === '>=' ? value / target : target / value))
  const px = (s) => left + (s / cap) * plotWidth
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="24" font-size="16" font-weight="600">${esc(title)}</text>`,
    `<text x="20" y="42" fill="#555">${esc(subtitle)}</text>`,
    `<text x="20" y="60" fill="#555">Bar: the figure as a multiple of its target (≥ targets: value ÷ target; ≤ targets: target ÷ value), capped at ${cap}×. | marks the reference server.</text>`,
  ]
  for (const t of [0, 0.5, 1, 2, 3]) {
    out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${top - 4}" y2="${top + rows.length * rowHeight}" stroke="${t === 1 ? '#333' : '#e5e5e5'}" ${t === 1 ? 'stroke-dasharray="4 3"' : ''}/>`)
    out.push(`<text x="${px(t)}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555">${t}×${t === 1 ? ' (target)' : ''}</text>`)
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight
    const s = score(row.value, row.op, row.target)
    // A row may be met another way than its bar says (the heap: ≤ 150 MB per 100k, or bounded).
    const met = row.met ?? (s !== null && s >= 1)
    out.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(row.name)}</text>`)
    out.push(`<text x="${left - 8}" y="${y + 27}" text-anchor="end" fill="#555" font-size="11">${esc(row.label)}</text>`)
    if (s === null) out.push(`<text x="${left + 4}" y="${y + 18}" fill="#555">not measured</text>`)
    else out.push(`<rect x="${left}" y="${y + 5}" width="${Math.max(1, px(s) - left).toFixed(1)}" height="18" fill="${met ? '#2ca02c' : '#d62728'}" opacity="0.8"/>`)
    const r = row.reference === undefined ? null : score(row.reference, row.op, row.target)
    if (r !== null) out.push(`<line x1="${px(r)}" x2="${px(r)}" y1="${y + 1}" y2="${y + 27}" stroke="#000" stroke-width="2.5"/>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
