// Render many TeX strings with KaTeX in one process.
// argv[2]: the katex package directory. stdin: JSON [[tex, display], ...].
// stdout: JSON [{"html": ...} | {"error": ...}, ...] in the same order.
"use strict";
const katex = require(process.argv[2]);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  const out = items.map(([tex, display]) => {
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
  });
  process.stdout.write(JSON.stringify(out));
});
