/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]
}

/** The candidate nearest to what was typed, when it is near enough to be a typo. */
export function closest(typed: string, candidates: string[]): string | undefined {
  return candidates
    .map((candidate) => ({ candidate, d: distance(typed, candidate) }))
    .sort((x, y) => x.d - y.d)
    .find((c) => c.d <= Math.max(2, Math.floor(typed.length / 3)))?.candidate
}
