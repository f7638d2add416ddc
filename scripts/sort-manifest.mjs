// `oclif manifest` lists commands in file-discovery order, which varies run to run; sorting them
// keeps the committed manifest byte-stable, so a real change is a readable diff.
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../oclif.manifest.json', import.meta.url)
const manifest = JSON.parse(readFileSync(file, 'utf8'))
manifest.commands = Object.fromEntries(Object.entries(manifest.commands).sort(([a], [b]) => a.localeCompare(b)))
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`)
