import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { journalFileOf, loadDocument, type StoreDocument } from '../../src/store/document.js'

/** The durable state of a gateway's data dir (snapshot + journal), as a restart would see it. */
export async function readStore(dataDir: string): Promise<StoreDocument> {
  return (await loadDocument(join(dataDir, 'gateway.json'))).doc
}

/**
 * The text of a journal's lines: a running store writes room for its next appends past them (NUL
 * bytes, see Journal), which is no part of what it holds.
 */
export function journalText(file: string): string {
  const bytes = readFileSync(file)
  const end = bytes.indexOf(0)
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end)
}

/** A hash of the store's files (the journal's lines): equal before and after means nothing was written. */
export function storeFingerprint(dataDir: string): string {
  const hash = createHash('sha256')
  const file = join(dataDir, 'gateway.json')
  for (const path of [file, journalFileOf(file)]) {
    try {
      hash.update(path === file ? readFileSync(path) : journalText(path))
    } catch {
      hash.update('absent')
    }
    hash.update('\0')
  }
  return hash.digest('hex')
}
