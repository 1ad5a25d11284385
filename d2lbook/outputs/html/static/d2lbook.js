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
  function setTab(tab, anchor) {
    if (tabs.indexOf(tab) < 0 || doc.getAttribute("data-tab") === tab) { return; }
    // keep the clicked element where it is on screen while panes change height
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    doc.setAttribute("data-tab", tab);
    store(TAB_KEY, tab);
    if (anchor) {
      var after = anchor.getBoundingClientRect().top;
      if (after !== before) { window.scrollBy(0, after - before); }
    }
    updatePressed();
  }

  function updatePressed() {
    var cur = doc.getAttribute("data-tab");
    var buttons = document.querySelectorAll(".tab-button");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      var on = b.getAttribute("data-tab") === cur;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      if (b.getAttribute("role") === "tab") { b.setAttribute("aria-selected", on ? "true" : "false"); }
    }
  }

  // another browser tab of this site changed the framework
  window.addEventListener("storage", function (e) {
    if (e.key === TAB_KEY && e.newValue && tabs.indexOf(e.newValue) >= 0) {
      doc.setAttribute("data-tab", e.newValue);
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
