/**
 * The caller policy (../auth/caller-policy.ts) as federation directives, for routers that enforce it:
 * `@authenticated` on what any verified caller may do, `@requiresScopes` with the admin scope on the
 * rest. Only a schema built with AUTH_FEDERATION_DIRECTIVES on carries them (./index.ts): the default
 * SDL, schema.graphql, has none, because `@apollo/gateway` refuses a supergraph with them.
 *
 * Pothos runs the field definitions when a schema is built, not when they are declared: they read the
 * policy set here for the length of that (synchronous) build.
 */
let declared: { adminScope: string } | undefined

/** Builds with the policy declared for `adminScope`, or without it. */
export function buildingWithDeclaredPolicy<T>(adminScope: string | undefined, build: () => T): T {
  declared = adminScope === undefined ? undefined : { adminScope }
  try {
    return build()
  } finally {
    declared = undefined
  }
}

/** Field options for what any verified caller may do (their own session). */
export const anyVerifiedCaller = () => (declared === undefined ? {} : { authenticated: true })

/** Field options for what needs the admin scope. */
export const adminScopeOnly = () => (declared === undefined ? {} : { requiresScopes: [[declared.adminScope]] })

/** The federation directives a schema built now imports. */
export const declaredPolicyDirectives = (): string[] =>
  declared === undefined ? [] : ['@authenticated', '@requiresScopes']
