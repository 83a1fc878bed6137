/**
 * The dates of Seam's answers, checked once, where they arrive: what passes here is served as it is by
 * the DateTime scalar (../schema/builder.ts), which would otherwise validate it a second time.
 *
 * Seam writes its dates as JavaScript's `toISOString` does (`2026-11-01T09:30:00.000Z`). Such a string is
 * checked character by character, with no Date, regular expression or substring made, and kept as it is.
 * Any other form RFC 3339 allows (an offset, no fraction) is judged by the DateTime scalar's own rules
 * and rewritten in that form: what a client reads is exactly what the scalar would have served.
 */
import { DateTimeResolver } from 'graphql-scalars'

declare const checkedAtTheWire: unique symbol

/** A date-time in UTC as `Date#toISOString` writes it, from a string that was checked. */
export type IsoDateTime = string & { readonly [checkedAtTheWire]: true }

/** `text` as an IsoDateTime, or undefined when it is no valid RFC 3339 date-time. */
export function isoDateTime(text: string): IsoDateTime | undefined {
  if (isIsoString(text)) return text as IsoDateTime
  try {
    return (DateTimeResolver.parseValue(text) as Date).toISOString() as IsoDateTime
  } catch {
    return undefined
  }
}

/** Where `toISOString` writes a digit (`0` here) and which character it writes elsewhere. */
const isoLayout = '0000-00-00T00:00:00.000Z'
const zero = 48
const nine = 57

/** Whether `text` is `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real day and time (no leap second, no 24:00). */
function isIsoString(text: string): boolean {
  if (text.length !== isoLayout.length) return false
  for (let index = 0; index < isoLayout.length; index += 1) {
    const code = text.charCodeAt(index)
    const expected = isoLayout.charCodeAt(index)
    if (expected === zero ? code < zero || code > nine : code !== expected) return false
  }
  const year = number(text, 0, 4)
  const month = number(text, 5, 2)
  const day = number(text, 8, 2)
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    number(text, 11, 2) <= 23 &&
    number(text, 14, 2) <= 59 &&
    number(text, 17, 2) <= 59
  )
}

/** The decimal number of `length` digits at `start` (already checked to be digits). */
function number(text: string, start: number, length: number): number {
  let value = 0
  for (let index = start; index < start + length; index += 1) value = value * 10 + text.charCodeAt(index) - zero
  return value
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}
