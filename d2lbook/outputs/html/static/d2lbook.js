// d2lbook site behaviour: framework tabs, theme, copy buttons, long outputs, sidebar.
// Everything works without a server and without any request outside the site.
(function () {
  "use strict";
  var doc = document.documentElement;
  var TAB_KEY = "d2lbook-tab";
  var THEME_KEY = "d2lbook-theme";
  var tabs = (doc.getAttribute("data-tabs") || "").split(" ").filter(Boolean);

  function store(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* storage disabled */ }
  }

  // ------------------------------------------------------------ tabs
  // The page's own tabs (data-page-tabs): a page without code for the chosen tab shows
  // its first tab's code and the note for the chosen one (data-tab-fallback).
  var pageTabs = (doc.getAttribute("data-page-tabs") || "").split(" ").filter(Boolean);

  function showTab(tab) {
    doc.setAttribute("data-tab-pref", tab);
    if (pageTabs.length && pageTabs.indexOf(tab) < 0) {
      doc.setAttribute("data-tab-fallback", tab);
      tab = pageTabs[0];
    } else {
      doc.removeAttribute("data-tab-fallback");
    }
    doc.setAttribute("data-tab", tab);
  }

  function setTab(tab, anchor) {
    if (tabs.indexOf(tab) < 0 || doc.getAttribute("data-tab-pref") === tab) { return; }
    // keep the clicked element where it is on screen while panes change height
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    showTab(tab);
    store(TAB_KEY, tab);
    if (anchor) {
      var after = anchor.getBoundingClientRect().top;
      if (after !== before) { window.scrollBy(0, after - before); }
    }
    updatePressed();
  }

  function updatePressed() {
    var cur = doc.getAttribute("data-tab-pref") || doc.getAttribute("data-tab");
    var buttons = document.querySelectorAll(".tab-button");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      var inBar = b.parentNode && b.parentNode.classList.contains("tab-bar");
      var on = b.getAttribute("data-tab") === (inBar ? doc.getAttribute("data-tab") : cur);
      // a tab (role="tab") is selected, a toolbar button is pressed
      if (b.getAttribute("role") === "tab") { b.setAttribute("aria-selected", on ? "true" : "false"); }
      else { b.setAttribute("aria-pressed", on ? "true" : "false"); }
    }
  }

  // another browser tab of this site changed the framework
  window.addEventListener("storage", function (e) {
    if (e.key === TAB_KEY && e.newValue && tabs.indexOf(e.newValue) >= 0) {
      showTab(e.newValue);
      updatePressed();
    }
  });

  // ----------------------------------------------------------- theme
  function effectiveTheme() {
    var t = doc.getAttribute("data-theme");
    if (t === "dark" || t === "light") { return t; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light";
  }

  // ------------------------------------------------------------ copy
  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  }

  function fallbackCopy(text, done) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* nothing to do */ }
    document.body.removeChild(ta);
  }

  // ----------------------------------------------------------- clicks
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("button") : null;
    if (!el) {
      if (e.target.classList && e.target.classList.contains("sidebar-backdrop")) {
        document.body.classList.remove("sidebar-open");
      }
      return;
    }
    if (el.classList.contains("tab-button")) {
      setTab(el.getAttribute("data-tab"), el);
    } else if (el.classList.contains("copy-button")) {
      var pre = el.parentNode.querySelector("pre");
      if (!pre) { return; }
      var label = el.textContent;
      copyText(pre.innerText.replace(/\n$/, ""), function () {
        el.textContent = el.getAttribute("data-copied") || "\u2713";
        el.classList.add("copied");
        setTimeout(function () { el.textContent = label; el.classList.remove("copied"); }, 1500);
      });
    } else if (el.classList.contains("output-toggle")) {
      var box = el.parentNode;
      var collapsed = box.classList.toggle("collapsed");
      el.textContent = el.getAttribute(collapsed ? "data-more" : "data-less");
    } else if (el.classList.contains("theme-toggle")) {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      doc.setAttribute("data-theme", next);
      store(THEME_KEY, next);
    } else if (el.classList.contains("menu-button")) {
      var open = document.body.classList.toggle("sidebar-open");
      el.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { document.body.classList.remove("sidebar-open"); }
  });

  // ---------------------------------------------- page table of contents
  var tocBox = document.querySelector(".page-toc-box");
  if (tocBox && window.matchMedia && !window.matchMedia("(min-width: 1200px)").matches) {
    tocBox.removeAttribute("open");  // phones: collapsed until asked for
  }
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll(".page-toc a"));
  function byHash(h) {
    var id = h.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* a literal "%" in the id */ }
    return document.getElementById(id);
  }
  var tocTargets = tocLinks.map(function (a) { return byHash(a.getAttribute("href")); });
  var tocTick = false;
  function markToc() {
    tocTick = false;
    var line = window.innerHeight * 0.3, k = -1;
    for (var i = 0; i < tocTargets.length; i++) {
      if (tocTargets[i] && tocTargets[i].getBoundingClientRect().top <= line) { k = i; }
    }
    for (var j = 0; j < tocLinks.length; j++) {
      var on = j === k;
      tocLinks[j].classList.toggle("active", on);
      if (on) { tocLinks[j].setAttribute("aria-current", "location"); }
      else { tocLinks[j].removeAttribute("aria-current"); }
    }
  }
  if (tocLinks.length) {
    window.addEventListener("scroll", function () {
      if (!tocTick) { tocTick = true; window.requestAnimationFrame(markToc); }
    }, { passive: true });
    markToc();
  }

  // ------------------------------------------------- wide display math
  // a formula wider than its box scrolls inside it; a shadow at the cut edge says so
  function mathCue(box) {
    var body = box.querySelector(".math-body") || box;
    var wide = body.scrollWidth > body.clientWidth + 1;
    box.classList.toggle("scrolls", wide);
    box.classList.toggle("at-end", !wide || body.scrollLeft + body.clientWidth >= body.scrollWidth - 1);
    box.classList.toggle("at-start", body.scrollLeft <= 0);
  }
  var maths = Array.prototype.slice.call(document.querySelectorAll(".math-display"));
  maths.forEach(function (box) {
    var body = box.querySelector(".math-body") || box;
    body.addEventListener("scroll", function () { mathCue(box); }, { passive: true });
    mathCue(box);
  });
  window.addEventListener("resize", function () { maths.forEach(mathCue); });

  // a region that scrolls sideways can be scrolled with the keyboard
  function focusable() {
    var els = document.querySelectorAll("pre, .math-display:not(.numbered), .math-body, .table-wrapper");
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (e.scrollWidth > e.clientWidth + 1) { e.setAttribute("tabindex", "0"); }
      else if (e.getAttribute("tabindex") === "0") { e.removeAttribute("tabindex"); }
    }
  }
  focusable();
  window.addEventListener("resize", focusable);

  // ---------------------------------------------- highlight on arrival
  // search results link to page.html?hl=words#section: mark the words, show the first
  function highlight() {
    var m = /[?&]hl=([^&#]*)/.exec(location.search);
    var article = document.querySelector("article.document");
    if (!m || !article) { return; }
    var words;
    try { words = decodeURIComponent(m[1].replace(/\+/g, " ")).toLowerCase().split(/\s+/); }
    catch (e) { return; }
    words = words.filter(Boolean);
    if (!words.length) { return; }
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        var p = n.parentNode;
        if (p.closest && p.closest(".katex, script, style, .headerlink, .copy-button, .tab-bar")) {
          return NodeFilter.FILTER_REJECT;
        }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [];
    while (walker.nextNode()) { nodes.push(walker.currentNode); }
    var marks = [];
    nodes.forEach(function (node) {
      var text = node.data, low = text.toLowerCase(), pos = 0, parts = [];
      while (pos < text.length) {
        var best = -1, len = 0;
        for (var k = 0; k < words.length; k++) {
          var at = low.indexOf(words[k], pos);
          if (at >= 0 && (best < 0 || at < best || (at === best && words[k].length > len))) {
            best = at; len = words[k].length;
          }
        }
        if (best < 0) { break; }
        parts.push([best, len]);
        pos = best + len;
      }
      if (!parts.length) { return; }
      var frag = document.createDocumentFragment();
      var last = 0;
      parts.forEach(function (pl) {
        frag.appendChild(document.createTextNode(text.slice(last, pl[0])));
        var mk = document.createElement("mark");
        mk.className = "search-highlight";
        mk.textContent = text.slice(pl[0], pl[0] + pl[1]);
        frag.appendChild(mk);
        marks.push(mk);
        last = pl[0] + pl[1];
      });
      frag.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(frag, node);
    });
    var target = location.hash ? byHash(location.hash) : null;
    var first = null;
    for (var i = 0; i < marks.length; i++) {
      var mk2 = marks[i];
      if (!mk2.offsetParent) { continue; }  // in a hidden tab
      if (target && (target.compareDocumentPosition(mk2) & Node.DOCUMENT_POSITION_PRECEDING)) { continue; }
      first = mk2;
      break;
    }
    if (first) {
      first.classList.add("current");
      first.scrollIntoView({ block: "center" });
    }
  }
  highlight();

  // ------------------------------------------------------------ start
  updatePressed();
  var current = document.querySelector(".sidebar a.current");
  if (current && current.scrollIntoView) {
    var sb = document.querySelector(".sidebar");
    var r = current.getBoundingClientRect();
    if (sb && (r.top < 0 || r.bottom > window.innerHeight)) {
      sb.scrollTop += r.top - window.innerHeight / 3;
    }
  }
})();
