// Builds only when dist/ is missing or was built from other sources (by a hash of them, not file
// times). `prepare` (so `npm install` in a clone leaves a working `mpg`, and npx's one-time link of
// this package costs nothing when dist/ is current) and `npm start` both come through here.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { inputsHash, root, stampFile } from './inputs-hash.mjs'

export function buildIfStale() {
  let built = ''
  try {
    built = readFileSync(stampFile, 'utf8').trim()
  } catch {
    // Never built here.
  }
  if (built === inputsHash()) return
  process.stderr.write('mpesa-gateway: dist/ is missing or older than the sources; building (npm run build)…\n')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  if (build.status !== 0) process.exit(build.status ?? 1)
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) buildIfStale()
