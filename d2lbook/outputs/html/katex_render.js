// Render TeX with KaTeX for d2lbook, in one long-lived process.
// argv[2]: the katex package directory.
// stdin: one JSON array [[tex, display], ...] per line; stdout: for each input line, one line
// with a JSON array [{"html": ...} | {"error": ...}, ...] in the same order.
// The process ends when stdin closes.
"use strict";
const katex = require(process.argv[2]);

function render(tex, display) {
  try {
    return {
      html: katex.renderToString(tex, {
        displayMode: !!display,
        throwOnError: true,
        strict: "ignore",
        trust: false,
        output: "htmlAndMathml",
      }),
    };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    if (!line.trim()) { continue; }
    let out;
    try {
      out = JSON.parse(line).map(([tex, display]) => render(tex, display));
    } catch (e) {
      out = { fatal: String(e) };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
});
