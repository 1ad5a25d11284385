// The search page: queries the Pagefind index that a full build writes into pagefind/.
// Everything (index, WebAssembly, fragments) is loaded from this site.
const box = document.querySelector(".search-page");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const siteRoot = new URL("../", import.meta.url);

function say(text) {
  status.textContent = text;
}

let pagefind = null;

async function load() {
  if (pagefind) { return pagefind; }
  if (location.protocol === "file:") { throw new Error(box.dataset.needserver); }
  try {
    pagefind = await import(new URL("pagefind/pagefind.js", siteRoot).href);
  } catch (e) {
    throw new Error(box.dataset.noindex);
  }
  await pagefind.options({ baseUrl: siteRoot.pathname });
  await pagefind.init();
  return pagefind;
}

let generation = 0;

async function run(query) {
  const mine = ++generation;
  list.textContent = "";
  query = query.trim();
  if (!query) { say(""); return; }
  let pf;
  try {
    pf = await load();
  } catch (e) {
    say(e.message);
    return;
  }
  const search = await pf.search(query);
  if (mine !== generation) { return; }
  if (!search || !search.results.length) {
    say(`${box.dataset.none} ${query}`);
    return;
  }
  const data = await Promise.all(search.results.slice(0, 30).map((r) => r.data()));
  if (mine !== generation) { return; }
  say(`${box.dataset.results} ${query} (${search.results.length})`);
  for (const d of data) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = d.url;
    a.className = "search-hit";
    a.textContent = (d.meta && d.meta.title) || d.url;
    const p = document.createElement("p");
    // Pagefind's excerpt is escaped text with <mark> around the hits
    p.innerHTML = d.excerpt;
    li.appendChild(a);
    li.appendChild(p);
    list.appendChild(li);
  }
}

const params = new URLSearchParams(location.search);
const q = params.get("q") || "";
input.value = q;
const headerInput = document.querySelector(".topbar .search-form input");
if (headerInput) { headerInput.value = q; }
let timer = null;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const url = new URL(location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url);
    run(input.value);
  }, 150);
});
input.form.addEventListener("submit", (e) => { e.preventDefault(); run(input.value); });
run(q);
input.focus();
