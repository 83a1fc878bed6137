/**
 * The dates of Seam's answers are checked where they arrive (src/seam/iso-date-time.ts) by a quick path for
 * the form Seam writes, and the DateTime scalar's own rules for any other. Whatever the path, the answer must
 * be the scalar's: every string here, and each variant of it with one character changed, is judged as
 * `DateTimeResolver.parseValue(…).toISOString()` judges it (undefined where that throws).
 */
import { DateTimeResolver } from 'graphql-scalars'
import { describe, expect, it } from 'vitest'

import { isoDateTime } from '../src/seam/iso-date-time.js'

function asTheScalarJudges(text: string): string | undefined {
  try {
    return (DateTimeResolver.parseValue(text) as Date).toISOString()
  } catch {
    return undefined
  }
}

const dates = [
  '2026-11-01T09:30:00.000Z',
  '2024-02-29T23:59:59.999Z',
  '2100-02-28T00:00:00.000Z',
  '2000-02-29T12:00:00.000Z',
  '2026-04-30T08:00:00.000Z',
  '2026-12-31T23:59:59.000Z',
  // Not real days or times, though shaped like them.
  '2100-02-29T08:00:00.000Z',
  '2026-02-30T08:00:00.000Z',
  '2026-04-31T08:00:00.000Z',
  '2026-13-01T08:00:00.000Z',
  '2026-00-01T08:00:00.000Z',
  '2026-01-00T08:00:00.000Z',
  '2026-01-32T08:00:00.000Z',
  '2027-10-01T24:00:00.000Z',
  '2026-10-01T23:60:00.000Z',
  '2026-10-01T23:59:60.000Z',
  // Other forms RFC 3339 allows, which the scalar rewrites.
  '2026-10-01T10:00:00+02:00',
  '2026-10-01T08:00:00Z',
  '2026-10-01t08:00:00.000z',
  '2026-10-01T08:00:00.1234Z',
]

const replacements = ['0', '9', '-', ':', '.', 'T', 'Z', ' ', '/', 'a', '\u0660']

describe('isoDateTime', () => {
  it.each(dates)('judges %s as the DateTime scalar does', (text) => {
    expect(isoDateTime(text)).toBe(asTheScalarJudges(text))
  })

  it.each(dates.slice(0, 6))('judges every one-character change of %s as the DateTime scalar does', (text) => {
    for (let index = 0; index < text.length; index += 1) {
      for (const replacement of replacements) {
        const changed = text.slice(0, index) + replacement + text.slice(index + 1)
        expect([changed, isoDateTime(changed)]).toEqual([changed, asTheScalarJudges(changed)])
      }
    }
  })

  it('keeps a date in the form Seam writes as it is', () => {
    expect(isoDateTime('2026-11-01T09:30:00.000Z')).toBe('2026-11-01T09:30:00.000Z')
    expect(isoDateTime('')).toBeUndefined()
    expect(isoDateTime('2026-11-01T09:30:00.000Z ')).toBeUndefined()
  })
})
