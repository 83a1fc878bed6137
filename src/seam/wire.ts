/**
 * The one place where GraphQL's camelCase names become Seam's snake_case request fields.
 */

type SnakeCase<Name extends string> = Name extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : Name

/** A request body: the input's fields under their wire names. */
export type WireBody<Input extends object> = {
  [Key in keyof Input as SnakeCase<Key & string>]: Exclude<Input[Key], undefined>
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/**
 * The fields the caller gave, renamed for the wire. Absent and null fields are left out: every optional
 * field of Seam's request bodies means "not given" when missing, and Seam rejects a null there.
 */
export function toWireBody<Input extends object>(input: Input): WireBody<Input> {
  const body: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(input)) {
    if (value !== undefined && value !== null) body[snakeCase(name)] = value
  }
  return body as WireBody<Input>
}
