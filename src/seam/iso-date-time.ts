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

const zero = 48
const [dash, letterT, colon, dot, letterZ] = ['-', 'T', ':', '.', 'Z'].map((character) => character.charCodeAt(0))

/** The number the two decimal digits at `index` write, or -1 when either is not a digit. */
function twoDigits(text: string, index: number): number {
  const tens = text.charCodeAt(index) - zero
  const units = text.charCodeAt(index + 1) - zero
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1
}

/**
 * Whether `text` is `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real day and time (no leap second, no 24:00).
 * Written out place by place, two digits at a time: a list answer has two dates per session, thousands
 * per request, and a loop over the layout took three times as long.
 */
function isIsoString(text: string): boolean {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== dash ||
    text.charCodeAt(7) !== dash ||
    text.charCodeAt(10) !== letterT ||
    text.charCodeAt(13) !== colon ||
    text.charCodeAt(16) !== colon ||
    text.charCodeAt(19) !== dot ||
    text.charCodeAt(23) !== letterZ
  ) {
    return false
  }
  const century = twoDigits(text, 0)
  const yearOfCentury = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const hours = twoDigits(text, 11)
  const minutes = twoDigits(text, 14)
  const seconds = twoDigits(text, 17)
  const lastMillisecondDigit = text.charCodeAt(22) - zero
  return (
    century >= 0 &&
    yearOfCentury >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(century * 100 + yearOfCentury, month) &&
    hours >= 0 &&
    hours <= 23 &&
    minutes >= 0 &&
    minutes <= 59 &&
    seconds >= 0 &&
    seconds <= 59 &&
    twoDigits(text, 20) >= 0 &&
    lastMillisecondDigit >= 0 &&
    lastMillisecondDigit <= 9
  )
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}
