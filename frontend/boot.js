// Starts the web app without an inline script, so that the page's Content-Security-Policy can
// refuse every inline script. Trunk writes the hashed names of the app's files into the
// script element's data attributes (see `pattern_script` in Trunk.toml).
const { js, wasm } = document.querySelector("script[data-js]").dataset;
const { default: init } = await import(js);
await init({ module_or_path: wasm });
