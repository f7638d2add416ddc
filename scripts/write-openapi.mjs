// Step of `npm run build`: writes the OpenAPI document into the package (dist/openapi.json), the
// same document the gateway serves at GET /openapi.json, for code generators and API tools.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from './inputs-hash.mjs'

const { openApiDocument } = await import(join(root, 'dist', 'src', 'gateway', 'openapi', 'document.js'))
const { packageVersion } = await import(join(root, 'dist', 'src', 'gateway', 'openapi', 'version.js'))
writeFileSync(join(root, 'dist', 'openapi.json'), `${JSON.stringify(openApiDocument(packageVersion()), null, 2)}\n`)
