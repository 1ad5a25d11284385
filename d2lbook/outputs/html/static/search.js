// The search page. The index (_static/search-index.js, loaded before this script) holds
// the searchable text of every page, cut at its headings. A page is a hit when its text
// contains every word of the query (case-insensitive substring search, so Chinese needs
// no segmenter and a string that appears nowhere finds nothing). Works from disk too.
(function () {
  "use strict";
  var PAGE_SIZE = 20;
  var box = document.querySelector(".search-page");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var pager = document.getElementById("search-pager");
  var data = window.D2LBOOK_SEARCH;
  var MO = data ? data.math[0] : "\u0001";
  var MC = data ? data.math[1] : "\u0002";

  function say(text) { status.textContent = text; }
  function fmt(s, vals) { return s.replace(/\{(\w+)\}/g, function (m, k) { return vals[k]; }); }
  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  // lower-cased copies, made once
  var pages = [];
  if (data) {
    for (var i = 0; i < data.pages.length; i++) {
      var p = data.pages[i];
      var secs = [];
      var all = [];
      for (var j = 0; j < p.s.length; j++) {
        var low = p.s[j][2].toLowerCase();
        secs.push(low);
        all.push(low);
      }
      pages.push({ url: p.u, title: p.t, raw: p.s, low: secs, text: all.join(""),
                   ltitle: p.t.toLowerCase(), order: i });
    }
  }

  function terms(query) {
    var seen = {};
    return query.toLowerCase().split(/\s+/).filter(function (t) {
      if (!t || seen[t]) { return false; }
      seen[t] = true;
      return true;
    });
  }

  function count(hay, needle) {
    var n = 0, at = hay.indexOf(needle);
    while (at >= 0 && n < 50) { n++; at = hay.indexOf(needle, at + needle.length); }
    return n;
  }

  // every page that contains all terms, best first
  function search(ts) {
    var hits = [];
    for (var i = 0; i < pages.length; i++) {
      var p = pages[i];
      var ok = true, score = 0;
      for (var k = 0; k < ts.length; k++) {
        var c = count(p.text, ts[k]);
        if (!c) { ok = false; break; }
        score += c + (p.ltitle.indexOf(ts[k]) >= 0 ? 20 : 0);
      }
      if (ok) { hits.push({ page: p, score: score }); }
    }
    hits.sort(function (a, b) { return b.score - a.score || a.page.order - b.page.order; });
    return hits;
  }

  // the section to open: the first holding every term, else the first holding one
  function bestSection(p, ts) {
    var first = -1;
    for (var j = 0; j < p.low.length; j++) {
      var all = true, any = false;
      for (var k = 0; k < ts.length; k++) {
        if (p.low[j].indexOf(ts[k]) >= 0) { any = true; } else { all = false; }
      }
      if (all) { return j; }
      if (any && first < 0) { first = j; }
    }
    return first < 0 ? 0 : first;
  }

  function renderMath(tex) {
    if (window.katex) {
      try {
        return window.katex.renderToString(tex, { throwOnError: false, displayMode: false,
                                                  output: "html" });
      } catch (e) { /* shown as source below */ }
    }
    return '<code class="tex">' + esc(tex) + "</code>";
  }

  function markText(text, ts) {
    var low = text.toLowerCase();
    var out = "", pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      for (var k = 0; k < ts.length; k++) {
        var at = low.indexOf(ts[k], pos);
        if (at >= 0 && (best < 0 || at < best || (at === best && ts[k].length > len))) {
          best = at; len = ts[k].length;
        }
      }
      if (best < 0) { break; }
      out += esc(text.slice(pos, best)) + "<mark>" + esc(text.slice(best, best + len)) + "</mark>";
      pos = best + len;
    }
    return out + esc(text.slice(pos));
  }

  // about 120 characters around the first hit; formulas whole and rendered
  function excerpt(raw, low, ts) {
    var at = -1;
    for (var k = 0; k < ts.length && at < 0; k++) { at = low.indexOf(ts[k]); }
    if (at < 0) { at = 0; }
    var start = Math.max(0, at - 40), end = Math.min(raw.length, at + 100);
    var open = raw.lastIndexOf(MO, start), close = raw.lastIndexOf(MC, start);
    if (open > close) { start = open; }  // do not cut a formula
    open = raw.lastIndexOf(MO, end);
    close = raw.lastIndexOf(MC, end);
    if (open > close) {  // the end falls inside a formula: take it whole
      var e = raw.indexOf(MC, end);
      end = e < 0 ? raw.length : Math.min(e + 1, end + 200);
    }
    var piece = raw.slice(start, end);
    var html = start > 0 ? "… " : "";
    var parts = piece.split(MO);
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      var c = part.indexOf(MC);
      if (i > 0 && c >= 0) {
        html += renderMath(part.slice(0, c));
        part = part.slice(c + 1);
      } else if (i > 0) {
        html += '<code class="tex">' + esc(part) + "</code>";
        continue;
      }
      html += markText(part.replace(MC, ""), ts);
    }
    return html + (end < raw.length ? " …" : "");
  }

  var hits = [], current = [], shownPage = 0, lastQuery = "";

  function show(k) {
    var n = Math.max(1, Math.ceil(hits.length / PAGE_SIZE));
    shownPage = Math.min(Math.max(0, k), n - 1);
    list.textContent = "";
    var from = shownPage * PAGE_SIZE;
    var hl = encodeURIComponent(lastQuery);
    hits.slice(from, from + PAGE_SIZE).forEach(function (h) {
      var p = h.page;
      var j = bestSection(p, current);
      var sec = p.raw[j];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = p.url + "?hl=" + hl + (sec[0] ? "#" + encodeURIComponent(sec[0]) : "");
      a.className = "search-hit";
      a.textContent = p.title + (sec[0] && sec[1] ? " › " + sec[1] : "");
      var d = document.createElement("p");
      d.className = "search-excerpt";
      d.innerHTML = excerpt(sec[2], p.low[j], current);
      li.appendChild(a);
      li.appendChild(d);
      list.appendChild(li);
    });
    list.setAttribute("start", String(from + 1));
    pager.textContent = "";
    pager.hidden = n < 2;
    if (n < 2) { return; }
    function button(label, to, disabled, cls) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.className = cls;
      b.disabled = disabled;
      b.addEventListener("click", function () { show(to); setParam("p", String(to + 1));
        box.scrollIntoView(); });
      pager.appendChild(b);
    }
    button(box.dataset.prevpage, shownPage - 1, shownPage === 0, "search-prev");
    var where = document.createElement("span");
    where.className = "search-where";
    where.textContent = fmt(box.dataset.pageof, { k: shownPage + 1, n: n });
    pager.appendChild(where);
    button(box.dataset.nextpage, shownPage + 1, shownPage === n - 1, "search-next");
  }

  function setParam(key, value) {
    try {
      var url = new URL(location.href);
      if (value) { url.searchParams.set(key, value); } else { url.searchParams.delete(key); }
      history.replaceState(null, "", url);
    } catch (e) { /* file: URLs in some browsers */ }
  }

  function run(query, page) {
    var t0 = performance.now();
    list.textContent = "";
    pager.textContent = "";
    pager.hidden = true;
    lastQuery = query.trim();
    current = terms(lastQuery);
    hits = [];
    if (!current.length) { say(""); return; }
    if (!data) { say(box.dataset.noindex); return; }
    hits = search(current);
    box.setAttribute("data-ms", String(performance.now() - t0));
    box.setAttribute("data-hits", String(hits.length));
    if (!hits.length) { say(box.dataset.none + " " + lastQuery); return; }
    say(fmt(box.dataset.count, { n: hits.length, q: lastQuery }));
    show(page || 0);
  }

  var params = new URLSearchParams(location.search);
  var q = params.get("q") || "";
  input.value = q;
  var headerInput = document.querySelector(".topbar .search-form input");
  if (headerInput) { headerInput.value = q; }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      setParam("q", input.value);
      setParam("p", "");
      run(input.value, 0);
    }, 150);
  });
  input.form.addEventListener("submit", function (e) {
    e.preventDefault();
    setParam("q", input.value);
    run(input.value, 0);
  });
  // for measurements: the time of one query in this browser
  window.d2lbookSearch = function (query) {
    var t0 = performance.now();
    var n = search(terms(query)).length;
    return { hits: n, ms: performance.now() - t0 };
  };
  run(q, Math.max(0, (parseInt(params.get("p") || "1", 10) || 1) - 1));
  box.setAttribute("data-ready", "1");
  input.focus();
})();
