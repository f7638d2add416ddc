// The `--name value` options of a bench script that also takes build roots as positional
// arguments: each option is taken out of argv as it is read, so what is left are the roots.

/** A reader of `argv`'s options: `option(name, fallback)` answers the value and removes the pair. */
export function optionTaker(argv) {
  return (name, fallback) => {
    const at = argv.indexOf(name)
    if (at < 0) return fallback
    const [, value] = argv.splice(at, 2)
    return value
  }
}
