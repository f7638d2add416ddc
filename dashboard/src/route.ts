import { useEffect, useState } from 'preact/hooks'

/** The view lives in the URL fragment (`#/transactions/<id>`): the server serves one page. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  const [parts, setParts] = useState(read)
  useEffect(() => {
    const onChange = () => setParts(read())
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return parts
}

export const href = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`
