/**
 * The one place where names cross between GraphQL's camelCase and Seam's snake_case wire names.
 */

type SnakeCase<Name extends string> = Name extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : Name

/** `user_identity_id` → `userIdentityId`, at the type level. */
export type CamelCase<Name extends string> = Name extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : Name

/** A request body: the input's fields under their wire names, dates as ISO 8601 strings. */
export type WireBody<Input extends object> = {
  [Key in keyof Input as SnakeCase<Key & string>]: Exclude<Input[Key], undefined> extends Date
    ? string
    : Exclude<Input[Key], undefined>
}

/** `userIdentityId` → `user_identity_id` */
export function wireName(graphqlName: string): string {
  return graphqlName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/** `user_identity_id` → `userIdentityId` */
export function graphqlName(wireName: string): string {
  return wireName.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

/**
 * The fields the caller gave, renamed for the wire. Absent and null fields are left out: every optional
 * field of Seam's request bodies means "not given" when missing, and Seam rejects a null there. Dates
 * go as ISO 8601 in UTC, the contract's `date-time`.
 */
export function toWireBody<Input extends object>(input: Input): WireBody<Input> {
  const body: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(input)) {
    if (value !== undefined && value !== null)
      body[wireName(name)] = value instanceof Date ? value.toISOString() : value
  }
  return body as WireBody<Input>
}
