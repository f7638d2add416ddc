import { z } from 'zod'

// Imported first by the fast path, before any module builds a schema: zod decides at construction
// whether an object schema compiles itself with `new Function` at first parse, which costs more
// than it saves in a process that parses one answer.
z.config({ jitless: true })
