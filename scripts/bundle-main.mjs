/**
 * `npm run build`'s last step: `dist/main.js` (what `npm start` and the package's bin run) becomes one
 * file with its dependencies in it. Node 20 loads the hundreds of modules of the unbundled tree (yoga,
 * graphql-tools, whatwg-node, Pothos, Apollo, undici) through its ES module loader one by one, which was
 * half of start-up; bundled, the gateway answers in about half the time. The library entry
 * (`dist/index.js`) stays unbundled for embedders, and so does everything loaded on demand that is big
 * and rarely used (GraphiQL's page).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'

import { build } from 'esbuild'

// Kept unbundled too: `npm run bench:profile` runs it, so that its samples name the package they come from.
// With its own map: the bundle's takes the name `main.js.map`.
const mapComment = '//# sourceMappingURL=main.js.map'
writeFileSync(
  'dist/main.unbundled.js',
  readFileSync('dist/main.js', 'utf8').replace(mapComment, '//# sourceMappingURL=main.unbundled.js.map'),
)
copyFileSync('dist/main.js.map', 'dist/main.unbundled.js.map')

await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/main.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // 9 MB of script that a production gateway (GraphiQL off) never loads: left to be imported on first use.
  external: ['@graphql-yoga/render-graphiql'],
  // Comments and whitespace out, names kept (stack traces still name their functions). A module's source
  // stays in V8's heap for as long as the process runs, as a two-byte string if a single character is
  // outside Latin-1 (the bundled packages' comments have curly quotes and dashes): 12 MB of heap for a
  // 6 MB bundle. Without comments it is 4 MB of Latin-1: ~9 MB less resident memory, idle or under load.
  minifyWhitespace: true,
  minifySyntax: true,
  // A stack trace of the bundle points into one long line. `dist/main.js.map` leads it back to src/*.ts
  // (through tsc's maps, which esbuild follows) and to each package's own file, for a process started
  // with `--enable-source-maps`; without that flag Node never reads the map, so it costs nothing. Without
  // the sources' text: the map only has to say where, and stays a few MB.
  sourcemap: 'linked',
  sourcesContent: false,
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'\nconst require = createRequireForBundle(import.meta.url)",
  },
  logLevel: 'warning',
})
