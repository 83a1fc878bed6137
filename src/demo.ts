/**
 * `npm run demo`: the gateway in front of an embedded stand-in for the Seam API, so it can be tried
 * with no Seam account and no network. Prints the URL, the demo credential and an example.
 */
import { createDemoFakeSeam, demoApiKey } from './fake-seam/demo-data.js'
import { createGateway } from './gateway.js'
import { closeOnSignals, listenOrExit, loadConfigOrExit, dependenciesFor, orExit } from './process-lifecycle.js'

const config = loadConfigOrExit()
const fakeSeam = createDemoFakeSeam()
const seamEndpoint = await fakeSeam.listen()
const exampleMutation = `mutation GrantAccess {
  grantClientSessionAccess(input: {
    clientSessionId: "3ada79d3-2848-4320-b2ef-a82e1e6dafac"
    connectWebviewIds: ["dad03fb2-f801-449c-ab88-0529728c7c38"]
  }) {
    clientSession {
      clientSessionId
      userIdentifierKey
      connectWebviewIds
      deviceCount
      expiresAt
    }
  }
}
`

const dependencies = await dependenciesFor(config)
const gateway = orExit(() =>
  createGateway(
    {
      ...config,
      seamEndpoint,
      serverCredential: undefined,
      // GraphiQL opens with the example and the demo credential filled in (unless GRAPHIQL turned it off).
      graphiql: config.graphiql && {
        defaultQuery: exampleMutation,
        headers: JSON.stringify({ Authorization: `Bearer ${demoApiKey}` }, null, 2),
      },
    },
    dependencies,
  ),
)
const server = await listenOrExit(gateway, config)

console.log(`Seam GraphQL gateway (demo) at ${server.graphqlUrl}
Upstream: an embedded stand-in for the Seam API at ${seamEndpoint}

Demo credential (GraphiQL's Headers tab has it already):
  Authorization: Bearer ${demoApiKey}

Open ${server.graphqlUrl} in a browser for GraphiQL and press Run for this example:

${exampleMutation.replace(/^/gm, '  ')}
Or with curl:
  curl ${server.graphqlUrl} -H 'content-type: application/json' -H 'authorization: Bearer ${demoApiKey}' \\
    -d '{"query":"{ clientSession(userIdentifierKey: \\"jane_doe\\") { clientSessionId token deviceCount } }"}'
`)

closeOnSignals(() => Promise.all([server.close(), fakeSeam.close()]))
