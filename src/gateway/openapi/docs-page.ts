/**
 * `/docs`: the OpenAPI document as one self-contained HTML page (no script, no CDN, styles in a
 * hashed inline `<style>` the CSP allows): paths, parameters, answers and schemas as tables.
 */
import { createHash } from 'node:crypto'

type Json = Record<string, unknown>

const escape = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)

/** `code` spans for backticks, everything else escaped. */
const prose = (s: unknown): string => escape(s ?? '').replace(/`([^`]+)`/g, '<code>$1</code>')

const anchor = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-')

/** A short type label for a schema: `string`, `integer 1–100`, `Transaction`, `array of WebhookDelivery`, … */
function typeOf(schema: Json | undefined): string {
  if (!schema) return ''
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() as string
    return `<a href="#schema-${anchor(name)}">${escape(name)}</a>`
  }
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => `<code>${escape(v)}</code>`).join(', ')}`
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined
  if (union) return union.map(typeOf).join(' or ')
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type ?? 'any')
  if (type === 'array') return `array of ${typeOf(schema.items as Json)}`
  const limits = [
    schema.minimum !== undefined || schema.maximum !== undefined ? `${schema.minimum ?? ''}–${schema.maximum ?? ''}` : '',
    schema.maxLength !== undefined ? `≤ ${schema.maxLength} chars` : '',
    schema.pattern ? `pattern <code>${escape(schema.pattern)}</code>` : '',
    schema.default !== undefined ? `default ${escape(JSON.stringify(schema.default))}` : '',
  ].filter(Boolean)
  return `${escape(type)}${limits.length ? ` (${limits.join(', ')})` : ''}`
}

/** The fields of an object schema as rows; nested objects get their own rows with dotted names. */
function fieldRows(schema: Json, prefix = ''): string {
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined
  if (variants && !schema.properties) return variants.map((v) => fieldRows(v, prefix)).join('')
  const props = (schema.properties ?? {}) as Record<string, Json>
  const required = new Set((schema.required as string[] | undefined) ?? [])
  return Object.entries(props)
    .map(([name, p]) => {
      const nested = p.type === 'object' && p.properties ? fieldRows(p, `${prefix}${name}.`) : ''
      return `<tr><td><code>${escape(prefix + name)}</code></td><td>${typeOf(p)}</td><td>${required.has(name) ? 'yes' : ''}</td><td>${prose(p.description ?? '')}</td></tr>${nested}`
    })
    .join('')
}

const fieldTable = (schema: Json) => `<table><thead><tr><th>field</th><th>type</th><th>required</th><th></th></tr></thead><tbody>${fieldRows(schema)}</tbody></table>`

function parameterTable(parameters: Json[]): string {
  if (!parameters.length) return ''
  const rows = parameters
    .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${typeOf(p.schema as Json)}</td><td>${p.required ? 'yes' : ''}</td><td>${prose(p.description ?? '')}</td></tr>`)
    .join('')
  return `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>required</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
}

function responseTable(responses: Record<string, Json>): string {
  const rows = Object.entries(responses)
    .map(([status, r]) => {
      const content = (r.content ?? {}) as Record<string, { schema?: Json }>
      const [type, media] = Object.entries(content)[0] ?? ['', {}]
      const headers = Object.keys((r.headers ?? {}) as Json)
      return `<tr><td><strong>${escape(status)}</strong></td><td>${prose(r.description)}</td><td>${escape(type)} ${typeOf(media.schema)}</td><td>${headers.map((h) => `<code>${escape(h)}</code>`).join(' ')}</td></tr>`
    })
    .join('')
  return `<h4>Responses</h4><table><thead><tr><th>status</th><th></th><th>body</th><th>headers</th></tr></thead><tbody>${rows}</tbody></table>`
}

function operationSection(method: string, path: string, op: Json): string {
  const security = (op.security as Json[] | undefined)?.map((s) => Object.keys(s)[0]) ?? []
  const body = (op.requestBody as { content: Record<string, { schema: Json; example?: unknown }> } | undefined)?.content['application/json']
  return `<section id="op-${escape(op.operationId)}">
<h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${prose(op.summary)}${security.length ? ` <em>Auth: ${escape(security.join(', '))}</em>` : ' <em>No auth.</em>'}</p>
${op.description ? `<p>${prose(op.description)}</p>` : ''}
${parameterTable((op.parameters as Json[] | undefined) ?? [])}
${body ? `<h4>Request body (application/json)</h4>${fieldTable(body.schema)}${body.example ? `<pre>${escape(JSON.stringify(body.example, null, 2))}</pre>` : ''}` : ''}
${responseTable(op.responses as Record<string, Json>)}
</section>`
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#1b1f23}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}pre{background:#f6f8fa;padding:.5rem;overflow:auto}
.method{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:.1rem .3rem}
.get{background:#1f6feb}.post{background:#1a7f37}.delete{background:#cf222e}section{border-top:1px solid #d0d7de;padding-top:.5rem}
nav ul{columns:2}`

/** The `style-src` entry that lets exactly this page's inline style apply. */
export const DOCS_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`

/** The whole page for a document. */
export function renderDocsPage(doc: Json): string {
  const info = doc.info as Json
  const paths = doc.paths as Record<string, Record<string, Json>>
  const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>
  const webhooks = (doc.webhooks ?? {}) as Record<string, { post: Json }>
  const nav = ops.map(({ path, method, op }) => `<li><a href="#op-${escape(op.operationId)}">${escape(method.toUpperCase())} ${escape(path)}</a></li>`).join('')
  const webhookSections = Object.entries(webhooks)
    .map(([name, { post }]) => {
      const body = (post.requestBody as { content: Record<string, { schema: Json }> }).content['application/json'].schema
      const data = (body.properties as Record<string, Json>).data
      return `<section id="webhook-${anchor(name)}"><h3><code>${escape(name)}</code></h3><p>Body <code>{id, event, created_at, data}</code>; <code>data</code>:</p>${fieldTable(data)}</section>`
    })
    .join('')
  const signature = Object.values(webhooks)[0]?.post.parameters as Json[] | undefined
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info.title)} ${escape(info.version)} — API reference</title><style>${STYLE}</style></head>
<body><header><h1>${escape(info.title)} <small>${escape(info.version)}</small></h1><p>${prose(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p></header>
<nav><h2>Endpoints</h2><ul>${nav}</ul></nav>
<main><h2>Endpoints</h2>${ops.map(({ path, method, op }) => operationSection(method, path, op)).join('\n')}
<h2>Webhooks</h2><p>Each event is POSTed as JSON to the endpoints subscribed to it, with these headers (both signature schemes, one secret):</p>
${parameterTable(signature ?? [])}${webhookSections}
<h2>Schemas</h2>${Object.entries(schemas)
    .map(([name, schema]) => `<section id="schema-${anchor(name)}"><h3>${escape(name)}</h3>${fieldTable(schema)}</section>`)
    .join('')}
</main></body></html>`
}
