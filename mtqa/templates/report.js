// mtqa HTML report: details popover, filters and the per-sentence risk strip.
// Everything from the report is inserted with textContent, never as HTML.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var RANK = { minor: 1, major: 2, critical: 3 };
  var data = JSON.parse(document.getElementById("mtqa-data").textContent);
  var findings = data.findings;
  var marks = Array.prototype.slice.call(document.querySelectorAll("main mark.hl[data-f]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row[data-f]"));
  var popover = document.getElementById("popover");
  var shown = {};  // finding id -> visible under the current filters
  var current = null;  // the mark whose details are open
  var pinned = false;
  var hoverTimer = null;

  function ids(el) {
    return el.getAttribute("data-f").split(" ").map(Number);
  }

  function worst(list) {
    var best = "";
    list.forEach(function (n) {
      var sev = findings[n].severity;
      if (!best || RANK[sev] > RANK[best]) best = sev;
    });
    return best;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // The native title is the tooltip without JavaScript; the popover replaces it here.
  marks.forEach(function (mark) {
    mark.removeAttribute("title");
    mark.setAttribute("role", "button");
    mark.setAttribute("aria-haspopup", "dialog");
  });

  function formatValue(value) {
    if (typeof value === "number") {
      return Number.isInteger(value) ? String(value) : value.toFixed(3);
    }
    if (value === null || typeof value !== "object") return String(value);
    return JSON.stringify(value);
  }

  function card(f) {
    var box = el("div", "card");
    var head = el("div", "head");
    head.appendChild(el("span", "badge sev-" + f.severity, f.severity));
    head.appendChild(el("code", "", f.code));
    head.appendChild(el("span", "muted", f.check));
    box.appendChild(head);
    box.appendChild(el("div", "message", f.message));
    if (f.suggestion !== null && f.suggestion !== undefined) {
      var fix = el("div", "fix");
      if (f.text) fix.appendChild(el("del", "", f.text));
      fix.appendChild(document.createTextNode(" → "));
      if (f.suggestion) fix.appendChild(el("ins", "", f.suggestion));
      else fix.appendChild(el("span", "muted", "delete"));
      box.appendChild(fix);
    }
    var dl = el("dl");
    function row(label, value, cls) {
      dl.appendChild(el("dt", "", label));
      dl.appendChild(el("dd", cls || "", value));
    }
    row("category", f.category);
    row("where", "line " + f.line + ", column " + f.column);
    if (!f.suggestion && f.suggestion !== "") row("flagged", f.text || "(insertion point)");
    // Scores first, then the signatures that say how to reproduce them.
    var keys = Object.keys(f.details || {}).sort(function (a, b) {
      var sa = /signature/i.test(a), sb = /signature/i.test(b);
      return sa === sb ? (a < b ? -1 : a > b ? 1 : 0) : sa ? 1 : -1;
    });
    keys.forEach(function (key) {
      var value = f.details[key];
      row(key.replace(/_/g, " "), formatValue(value), /signature/i.test(key) ? "signature" : "");
    });
    box.appendChild(dl);
    return box;
  }

  function place(mark) {
    var rect = mark.getBoundingClientRect();
    var width = popover.offsetWidth;
    var left = Math.min(Math.max(8, rect.left), document.documentElement.clientWidth - width - 8);
    var top = rect.bottom + 8;
    if (top + popover.offsetHeight > window.innerHeight && rect.top - popover.offsetHeight - 8 > 0) {
      top = rect.top - popover.offsetHeight - 8;
    }
    popover.style.left = left + window.scrollX + "px";
    popover.style.top = top + window.scrollY + "px";
  }

  function open(mark, pin) {
    var list = ids(mark).filter(function (n) { return shown[n] !== false; });
    if (!list.length) return;
    if (current) current.classList.remove("active");
    current = mark;
    pinned = pin;
    mark.classList.add("active");
    popover.textContent = "";
    var close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close details");
    close.addEventListener("click", function () { hide(true); });
    popover.appendChild(close);
    list.forEach(function (n) { popover.appendChild(card(findings[n])); });
    popover.hidden = false;
    place(mark);
    rows.forEach(function (r) { r.classList.toggle("current", list.indexOf(Number(r.getAttribute("data-f"))) >= 0); });
  }

  function hide(refocus) {
    if (!current) return;
    var mark = current;
    mark.classList.remove("active");
    current = null;
    pinned = false;
    popover.hidden = true;
    rows.forEach(function (r) { r.classList.remove("current"); });
    if (refocus) mark.focus();
  }

  marks.forEach(function (mark) {
    mark.addEventListener("click", function (event) {
      event.stopPropagation();
      clearTimeout(hoverTimer);
      if (current === mark && pinned) hide(false);
      else open(mark, true);
    });
    mark.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open(mark, true);
      }
    });
    mark.addEventListener("mouseenter", function () {
      if (pinned) return;
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(function () { if (!pinned) open(mark, false); }, 120);
    });
    mark.addEventListener("mouseleave", function () {
      clearTimeout(hoverTimer);
      if (!pinned) hoverTimer = setTimeout(function () { if (!pinned && !popover.matches(":hover")) hide(false); }, 200);
    });
  });
  popover.addEventListener("mouseleave", function () { if (!pinned) hide(false); });
  popover.addEventListener("click", function (event) { event.stopPropagation(); });
  document.addEventListener("click", function () { if (current) hide(false); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) hide(true);
  });
  window.addEventListener("resize", function () { if (current) place(current); drawStrips(); });

  // A list row's link scrolls to the highlight and opens it.
  document.querySelectorAll("a[data-goto]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      event.stopPropagation();
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
      target.classList.remove("flash");
      void target.offsetWidth;
      target.classList.add("flash");
      open(target, true);
    });
  });

  // Filters: a highlight stays while any of its findings is shown.
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
  var shownCount = document.getElementById("shown-count");

  function applyFilters() {
    var on = { severity: {}, code: {} };
    boxes.forEach(function (box) { on[box.getAttribute("data-filter")][box.value] = box.checked; });
    var visible = 0;
    findings.forEach(function (f) {
      shown[f.id] = on.severity[f.severity] !== false && on.code[f.code] !== false;
      if (shown[f.id]) visible += 1;
    });
    // Only real changes touch the DOM: on a book-length report every write costs a relayout.
    marks.forEach(function (mark) {
      var all = ids(mark);
      var list = all.filter(function (n) { return shown[n]; });
      var cls = "hl sev-" + (list.length ? worst(list) : findings[all[0]].severity) +
        (list.length > 1 ? " multi" : "") + (mark.textContent ? "" : " insert") + (list.length ? "" : " off") +
        (mark === current ? " active" : "");
      if (mark.className !== cls) {
        mark.className = cls;
        mark.tabIndex = list.length ? 0 : -1;
      }
    });
    rows.forEach(function (row) {
      var hidden = !shown[Number(row.getAttribute("data-f"))];
      if (row.hidden !== hidden) row.hidden = hidden;
    });
    document.querySelectorAll(".seg").forEach(function (seg) {
      var list = [];
      seg.querySelectorAll("mark.hl[data-f]").forEach(function (mark) {
        ids(mark).forEach(function (n) { if (shown[n]) list.push(n); });
      });
      var risk = worst(list);
      if (seg.getAttribute("data-risk") !== risk) seg.setAttribute("data-risk", risk);
    });
    if (shownCount) {
      shownCount.textContent = visible === findings.length
        ? findings.length + (findings.length === 1 ? " finding" : " findings")
        : visible + " of " + findings.length + " findings shown";
    }
    if (current && current.classList.contains("off")) hide(false);
    drawStrips();
  }
  boxes.forEach(function (box) { box.addEventListener("change", applyFilters); });

  // The risk strip: one mark per sentence, beside it, coloured by its worst shown finding.
  var STRIP_ALL_LIMIT = 4000;  // above this many sentences, clean ones are not drawn

  function drawStrips() {
    document.querySelectorAll(".doc").forEach(function (doc) {
      var strip = doc.querySelector(".strip");
      var text = doc.querySelector(".doc-text");
      var segs = text.querySelectorAll(".seg");
      var base = text.getBoundingClientRect().top;
      var frag = document.createDocumentFragment();
      var all = segs.length <= STRIP_ALL_LIMIT;
      segs.forEach(function (seg) {
        var risk = seg.getAttribute("data-risk");
        if (!risk && !all) return;
        var rects = seg.getClientRects();
        if (!rects.length) return;
        var top = rects[0].top - base;
        var bottom = rects[rects.length - 1].bottom - base;
        var sentence = Number(seg.getAttribute("data-seg")) + 1;
        var mark;
        if (risk) {
          var first = seg.querySelector("mark.hl:not(.off)");
          var count = 0;
          seg.querySelectorAll("mark.hl:not(.off)").forEach(function (m) {
            count += ids(m).filter(function (n) { return shown[n]; }).length;
          });
          mark = el("a", "risk sev-" + risk);
          mark.href = first && first.id ? "#" + first.id : "#";
          mark.title = "Sentence " + sentence + ": " + count + (count === 1 ? " finding, " : " findings, worst ") + risk;
          mark.addEventListener("click", function (event) {
            event.preventDefault();
            event.stopPropagation();
            if (!first) return;
            first.scrollIntoView({ block: "center" });
            first.focus({ preventScroll: true });
            open(first, true);
          });
          mark.tabIndex = -1;
        } else {
          mark = el("span", "risk clean");
          mark.title = "Sentence " + sentence + ": no findings";
        }
        mark.style.top = top + 1 + "px";
        mark.style.height = Math.max(bottom - top - 2, 3) + "px";
        frag.appendChild(mark);
      });
      strip.textContent = "";
      strip.appendChild(frag);
    });
  }

  applyFilters();
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(drawStrips);
})();
