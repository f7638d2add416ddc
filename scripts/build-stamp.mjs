// Last step of `npm run build`: records what dist/ was built from (see scripts/start.mjs).
import { writeFileSync } from 'node:fs'
import { inputsHash, stampFile } from './inputs-hash.mjs'

writeFileSync(stampFile, `${inputsHash()}\n`)
