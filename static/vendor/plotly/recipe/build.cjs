const esbuild = require('esbuild');
// usage, in a folder where plotly.js@4.1.1 and the esbuild packages are installed (README.md):
//   node build.cjs ENTRY OUTFILE
const [entry, outfile] = process.argv.slice(2);
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');
esbuild.build({
  entryPoints: [entry], outfile, format: 'iife', globalName: 'Plotly',
  bundle: true, minify: true, legalComments: 'none',
  plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
  alias: { stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' }, target: 'es2016', logLevel: 'warning',
  banner: { js: '/* plotly.js v4.1.1 (MIT), bar and pie traces only: built for coalition from the npm package with esbuild */' },
}).then(() => {
  // The Plotly logo is never shown (displaylogo: false); its link is the bundle's only
  // address of another host, so it is left empty.
  const fs = require('fs');
  const out = fs.readFileSync(outfile, 'utf8').replace(/href="https:\/\/plotly\.com\/"/, 'href=""');
  fs.writeFileSync(outfile, out);
  console.log('ok');
}, e => { console.error(e); process.exit(1); });
