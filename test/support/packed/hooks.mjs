// Module resolution hook: `electron` is Electron's built-in module, not an npm package (the npm
// `electron` package is a downloader and is not in app.asar). Everything else resolves as usual.
const standin = new URL('./electron-standin.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standin, format: 'module', shortCircuit: true };
  return next(specifier, context);
}
