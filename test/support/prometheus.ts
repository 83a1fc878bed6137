/**
 * Reads Prometheus' text exposition format into samples, so tests can ask for a series by its labels
 * rather than match lines whose label order is the library's business.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = sampleLine.exec(line)
      if (match === null) throw new Error(`Not a Prometheus sample line: ${line}`)
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(labelPair)].map(([, key, value]) => [key, value]))
      return { name: match[1] ?? '', labels, value: Number(match[3]) }
    })
}

/** The samples of `name` whose labels include all of `labels`. */
export function samplesOf(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )
}

/** The value of the one sample of `name` with exactly these labels; undefined when there is none. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const matching = samplesOf(samples, name, labels).filter(
    (sample) => Object.keys(sample.labels).length === Object.keys(labels).length,
  )
  if (matching.length > 1) throw new Error(`Several samples of ${name} match ${JSON.stringify(labels)}`)
  return matching[0]?.value
}
