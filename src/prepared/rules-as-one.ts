/**
 * Validation rules run as one rule, whose visitor finds each rule's handlers for a kind of node only when
 * the document has such a node: half the cost of validating a document the gateway has not seen.
 *
 * graphql-js's `validate` runs its rules' visitors side by side (`visitInParallel`), and first looks up
 * every rule's handlers for every kind of node there is: 32 rules × 49 kinds, with a lookup that V8 cannot
 * make fast (each rule's visitor has a shape of its own) and an object for each handler given as a plain
 * function. A document has a dozen kinds at most, so most of that work is for nothing, yet it took half
 * of validating the bench's grant document (~100 of ~210 µs), per unique document text (the prepared
 * operations keep a document validated, so it is paid once per text: by every request of a client that
 * writes its values into the text instead of variables).
 *
 * Given one rule, `validate` still does everything else itself (the schema check, the limit of 100
 * errors, the abort of a rule that gives up, descriptions left unvisited), and this visitor only does
 * what `visitInParallel` does, in the same order: each rule's handler in turn, a rule whose handler
 * answers `false` skipped below that node, one that answers BREAK left out from then on, any other
 * answer returned. test/rules-as-one.test.ts holds the two to the same errors.
 */
import { type ASTNode, type ASTVisitor, BREAK, Kind, type ValidationContext, type ValidationRule } from 'graphql'

type Handler = (this: ASTVisitor, ...args: unknown[]) => unknown

interface Handlers {
  enter: (Handler | undefined)[]
  leave: (Handler | undefined)[]
}

const kinds = Object.values(Kind)

/** What graphql-js's `getEnterLeaveForKind` finds in `visitor` for `kind`. */
function handlersFor(visitor: ASTVisitor, kind: Kind): { enter?: Handler | undefined; leave?: Handler | undefined } {
  const visitors = visitor as Record<string, unknown>
  const forKind = visitors[kind]
  if (typeof forKind === 'object' && forKind !== null) return forKind
  if (typeof forKind === 'function') return { enter: forKind as Handler }
  return { enter: visitors['enter'] as Handler | undefined, leave: visitors['leave'] as Handler | undefined }
}

export function rulesAsOne(rules: readonly ValidationRule[]): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const visitors = rules.map((rule) => rule(context))
    /** Per rule: null, or the node below which it is skipped, or BREAK once it is done. */
    const skipping: (ASTNode | typeof BREAK | null)[] = visitors.map(() => null)
    const byKind = new Map<Kind, Handlers>()
    const handlersOf = (kind: Kind): Handlers => {
      let handlers = byKind.get(kind)
      if (handlers === undefined) {
        handlers = { enter: [], leave: [] }
        for (const visitor of visitors) {
          const { enter, leave } = handlersFor(visitor, kind)
          handlers.enter.push(enter)
          handlers.leave.push(leave)
        }
        byKind.set(kind, handlers)
      }
      return handlers
    }
    const merged: Record<string, { enter: Handler; leave: Handler }> = Object.create(null)
    for (const kind of kinds) {
      merged[kind] = {
        enter(...args) {
          const node = args[0] as ASTNode
          const enter = handlersOf(kind).enter
          for (let index = 0; index < visitors.length; index++) {
            if (skipping[index] !== null) continue
            const result = enter[index]?.apply(visitors[index]!, args)
            if (result === false) skipping[index] = node
            else if (result === BREAK) skipping[index] = BREAK
            else if (result !== undefined) return result
          }
          return undefined
        },
        leave(...args) {
          const node = args[0] as ASTNode
          const leave = handlersOf(kind).leave
          for (let index = 0; index < visitors.length; index++) {
            if (skipping[index] === null) {
              const result = leave[index]?.apply(visitors[index]!, args)
              if (result === BREAK) skipping[index] = BREAK
              else if (result !== undefined && result !== false) return result
            } else if (skipping[index] === node) {
              skipping[index] = null
            }
          }
          return undefined
        },
      }
    }
    return merged as ASTVisitor
  }
}
