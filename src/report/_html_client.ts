/**
 * The script and style embedded in the HTML report. Plain ES2020 and CSS as strings: the page
 * must work offline from one file, with no framework and no network.
 *
 * The script reads the data block once, builds every heat map as one HTML string per policy
 * (one DOM write each), and handles clicks and keys with one delegated listener per event type,
 * so ~24k cells stay cheap.
 *
 * @module
 */

/** Inline CSS of the report. Colours follow the Okabe–Ito palette; every verdict also has a text marker. */
export const HTML_STYLE = `
:root { --fg: #1b1b1b; --muted: #5c5c5c; --line: #d0d0d0; --bg: #fff; --panel: #f6f6f6; --focus: #0072b2;
  --ca: #8fd6c0; --ca-fg: #00382a; --cr: #e4e4e4; --cr-fg: #4a4a4a; --ua: #d55e00; --ua-fg: #fff;
  --nr: #f0e442; --nr-fg: #3d3800; --de: #cc79a7; --de-fg: #2b0a1f; --ie: #4d4d4d; --ie-fg: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 380px; min-height: 100vh; }
main { padding: 16px 24px 64px; min-width: 0; }
aside#panel { position: sticky; top: 0; height: 100vh; overflow: auto; background: var(--panel); border-left: 1px solid var(--line); padding: 16px; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } aside#panel { position: static; height: auto; border-left: 0; border-top: 1px solid var(--line); } }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; }
table.summary { border-collapse: collapse; margin: 8px 0; }
table.summary th, table.summary td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.summary td.pol { min-width: 280px; }
table.summary.rt td:not(:last-child) { white-space: nowrap; } table.summary.rt code { word-break: normal; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; }
.badge.ok { background: var(--ca); color: var(--ca-fg); } .badge.bad { background: var(--ua); color: var(--ua-fg); }
code { font: 12.5px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0 12px; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 22px; height: 18px; line-height: 18px; text-align: center; font-weight: 700; border: 1px solid rgba(0,0,0,.15); }
.controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 8px 0; }
.controls input[type=search] { width: 260px; padding: 4px 6px; }
section.policy { margin: 22px 0; content-visibility: auto; contain-intrinsic-size: auto 900px; }
section.policy h3 { margin-bottom: 2px; }
.hm-wrap { overflow-x: auto; }
table.hm { border-collapse: separate; border-spacing: 1px; table-layout: fixed; font-size: 12px; }
table.hm th { font-weight: 500; background: var(--bg); }
table.hm thead th { width: 50px; font-size: 11px; line-height: 1.1; vertical-align: bottom; padding: 2px 1px; word-break: break-all; }
table.hm thead th.corner { width: 330px; text-align: left; }
table.hm thead th.unavail { color: var(--muted); text-decoration: underline dotted; }
table.hm tbody th { text-align: left; width: 330px; max-width: 330px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 0 6px 0 0; font: 11.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.cell { height: 18px; padding: 0; text-align: center; font-weight: 700; cursor: pointer; line-height: 18px; }
td.cell:focus { outline: 2px solid var(--fg); outline-offset: -2px; }
td.cell.sel { outline: 3px solid var(--focus); outline-offset: -1px; position: relative; z-index: 1; }
.va { background: var(--ca); color: var(--ca-fg); } .vr { background: var(--cr); color: var(--cr-fg); }
.vu { background: var(--ua); color: var(--ua-fg); } .vn { background: var(--nr); color: var(--nr-fg); }
.vd { background: var(--de); color: var(--de-fg); } .ve { background: var(--ie); color: var(--ie-fg); }
.vi { background: var(--ie); color: var(--ie-fg); font-style: italic; }
.vx { background: repeating-linear-gradient(45deg, #fff, #fff 3px, #ececec 3px, #ececec 6px); color: var(--muted); font-weight: 400; }
body.only-bad tr.ok { display: none; }
#panel h2 { margin-top: 0; } #panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; margin: 6px 0; }
#panel dt { color: var(--muted); } #panel dd { margin: 0; min-width: 0; }
#panel .verdict { display: inline-flex; gap: 8px; align-items: center; padding: 4px 10px; font-weight: 700; border-radius: 4px; }
#panel ul.evidence { padding-left: 18px; margin: 4px 0; } #panel ul.evidence li { margin-bottom: 6px; }
#panel .hint { color: var(--muted); }
.others { list-style: none; padding: 0; margin: 4px 0; } .others li { display: flex; gap: 6px; align-items: center; margin: 2px 0; }
details.sep summary { cursor: pointer; color: var(--muted); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/** Inline script of the report: builds the heat maps and the side panel from the JSON data block. */
export const HTML_SCRIPT = `
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("conform-data").textContent);
  var W = D.wheels.length, R = D.runtimes.length;
  var V = {
    a: ["correct accept", "\\u2713", "the policy installs it and it links"],
    r: ["correct reject", "\\u2013", "the policy refuses it and it would break"],
    u: ["unsafe accept", "!", "the policy installs it but it breaks"],
    n: ["needless reject", "\\u2717", "the policy refuses it although it links"],
    d: ["defective wheel", "D", "fails even on its own runtime; scored apart"],
    i: ["inconclusive", "?", "a needed library was not supplied; scored apart"],
    e: ["input error", "E", "the wheel could not be read"],
    x: ["not measured", "\\u2014", "no prediction: runtime unavailable or pair not scored"]
  };
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function str(i) { return i >= 0 ? D.strings[i] : ""; }

  var head = '<thead><tr><th class="corner" scope="col">wheel \\\\ runtime</th>';
  for (var r = 0; r < R; r++) {
    var rt = D.runtimes[r];
    var title = "Python " + rt.python + ", Emscripten " + rt.emscripten + ", " + rt.platformTag +
      (rt.unavailable ? " \\u2014 not measured: " + rt.unavailable : "");
    head += '<th scope="col"' + (rt.unavailable ? ' class="unavail"' : "") + ' title="' + esc(title) + '">' +
      esc(rt.version) + (rt.unavailable ? "\\u2020" : "") + "</th>";
  }
  head += "</tr></thead>";
  var rowHeads = D.wheels.map(function (w) {
    return '<th scope="row" title="' + esc(w.file) + '">' + esc(w.file) + "</th>";
  });

  var html = [];
  D.policies.forEach(function (p, pi) {
    var rows = [];
    for (var w = 0; w < W; w++) {
      var cells = "", bad = false;
      for (var r2 = 0; r2 < R; r2++) {
        var c = p.v.charAt(w * R + r2);
        if (c === "u" || c === "n") bad = true;
        cells += '<td class="cell v' + c + '" tabindex="-1">' + V[c][1] + "</td>";
      }
      rows.push('<tr data-w="' + w + '"' + (bad ? "" : ' class="ok"') + ">" + rowHeads[w] + cells + "</tr>");
    }
    html.push(
      '<section class="policy" id="policy-' + pi + '">' +
      "<h3>" + p.rank + ". " + esc(p.id) + ' <span class="badge ' + (p.correct ? "ok" : "bad") + '">' +
      (p.correct ? "CORRECT" : "UNSAFE") + "</span></h3>" +
      '<p class="meta">' + esc(p.title) + " \\u2014 " + p.unsafeAccepts + " unsafe accepts, " + p.needlessRejects +
      " needless rejects, " + p.tagCount + " tags</p>" +
      '<div class="hm-wrap"><table class="hm" role="grid" data-p="' + pi + '" aria-label="' +
      esc("Heat map of policy " + p.id + ": wheels by runtimes") + '">' + head + "<tbody>" + rows.join("") +
      "</tbody></table></div></section>"
    );
  });
  var host = document.getElementById("maps");
  host.innerHTML = html.join("");
  var tables = host.querySelectorAll("table.hm");
  for (var i = 0; i < tables.length; i++) {
    var first = tables[i].querySelector("td.cell");
    if (first) first.tabIndex = 0;
  }

  var panel = document.getElementById("panel-body");
  var selected = null;

  function fmtType(t) {
    if (t === undefined || t === null) return "?";
    if (typeof t === "string") return t;
    return "(" + (t.params || []).join(" ") + ") \\u2192 (" + (t.results || []).join(" ") + ")";
  }
  function dl(pairs) {
    var s = "<dl>";
    pairs.forEach(function (kv) { if (kv[1] !== "" && kv[1] !== undefined) s += "<dt>" + esc(kv[0]) + "</dt><dd>" + kv[1] + "</dd>"; });
    return s + "</dl>";
  }
  function code(s) { return "<code>" + esc(s) + "</code>"; }

  function show(pi, w, r) {
    var p = D.policies[pi], k = w * R + r, wh = D.wheels[w], rt = D.runtimes[r];
    var c = p.v.charAt(k), oi = D.outcomeIndex[k], o = oi >= 0 ? D.outcomes[oi] : null;
    var s = '<h2>Selected pair</h2><p>' + code(wh.file) + " on " + code("pyodide " + rt.version) + "</p>";
    s += '<p><span class="verdict v' + c + '"><span aria-hidden="true">' + V[c][1] + "</span>" + esc(V[c][0]) +
      "</span></p><p class=\\"hint\\">" + esc(V[c][2]) + "</p>";
    var inst = p.ins.charAt(k);
    s += "<h3>Policy " + esc(p.id) + "</h3>" + dl([
      ["verdict", esc((p.correct ? "CORRECT" : "UNSAFE") + ", rank " + p.rank + " under load" +
        (p.strictRank !== undefined ? "; " + (p.strictCorrect ? "CORRECT" : "UNSAFE") + ", rank " + p.strictRank + " under strict" : ""))],
      ["under strict", p.sv && p.sv.charAt(k) !== c ? esc(V[p.sv.charAt(k)][0]) + " (every symbol must resolve)" : ""],
      ["prediction", inst === "1" ? "install" : inst === "0" ? "refuse" : "none"],
      ["rule", esc(str(p.ru[k]))],
      ["wheel tag", p.wt[k] >= 0 ? code(str(p.wt[k])) : ""],
      ["runtime tags", p.rt[k] >= 0 ? code(str(p.rt[k])) : ""]
    ]);
    s += "<h3>Link outcome</h3>";
    if (o) {
      s += dl([["class", "<b>" + esc(o.outcome) + "</b>"], ["summary", esc(o.summary)]]);
      if (o.evidence.length) {
        s += '<ul class="evidence">';
        o.evidence.forEach(function (e) {
          var where = [e.member, e.module && e.symbol ? e.module + "." + e.symbol : e.symbol].filter(Boolean).join(" ");
          s += "<li><b>" + esc(e.kind) + "</b>" + (where ? " " + code(where) : "") +
            (e.importIndex !== undefined ? " (import #" + e.importIndex + ")" : "") + ": " + esc(e.message) +
            (e.sideType || e.mainType ? "<br>side " + code(fmtType(e.sideType)) + " vs main " + code(fmtType(e.mainType)) : "") +
            (e.reason ? "<br>reason: " + esc(e.reason) : "") + "</li>";
        });
        s += "</ul>";
      } else {
        s += '<p class="hint">No evidence recorded: every import resolved.</p>';
      }
    } else {
      s += '<p class="hint">' + esc(wh.inputError ? "Not checked: " + wh.inputError : rt.unavailable ? "Not checked: runtime unavailable: " + rt.unavailable : "No outcome recorded for this pair.") + "</p>";
    }
    s += "<h3>Oracle (real runtime)</h3>";
    if (o && o.oracle) {
      var or = o.oracle;
      s += dl([
        ["result", esc((or.works === null ? "inconclusive" : or.works ? "works" : "breaks") + " (" + or.status + ")")],
        ["message", esc(or.message)],
        ["agreement", or.agrees ? "agrees with the stub" : "<b>disagrees</b>: " + esc(or.disagreement || "other")]
      ]);
    } else {
      s += '<p class="hint">Not in the oracle sample.</p>';
    }
    s += "<h3>Wheel</h3>" + dl([
      ["file", code(wh.file)],
      ["tags", code(wh.tags.join(", "))],
      ["built for", wh.builtFor ? esc(wh.builtFor) : "unknown"],
      ["kind", esc(wh.kind)],
      ["inferred", wh.inferred.length ? esc(wh.inferred.join(", ")) : ""],
      ["defective", wh.defective ? "yes: fails on its own runtime" : ""],
      ["input error", wh.inputError ? esc(wh.inputError) : ""],
      ["sha256", wh.sha256 ? code(wh.sha256) : ""]
    ]);
    s += "<h3>Runtime</h3>" + dl([
      ["version", esc(rt.version)],
      ["Python", esc(rt.python)],
      ["Emscripten", esc(rt.emscripten)],
      ["ABI version", esc(rt.abiVersion || "")],
      ["platform tag", code(rt.platformTag)],
      ["release date", esc(rt.releaseDate || "")],
      ["unavailable", rt.unavailable ? esc(rt.unavailable) : ""]
    ]);
    s += '<h3>This pair under every policy</h3><ul class="others">';
    D.policies.forEach(function (q) {
      var cq = q.v.charAt(k);
      s += '<li><span class="sw v' + cq + '" aria-hidden="true">' + V[cq][1] + "</span>" + esc(q.id) + ": " + esc(V[cq][0]) + "</li>";
    });
    s += "</ul>";
    panel.innerHTML = s;
    panel.dataset.pair = wh.file + " @ " + rt.version;
  }

  function select(td) {
    if (selected) { selected.classList.remove("sel"); selected.removeAttribute("aria-selected"); }
    selected = td;
    td.classList.add("sel");
    td.setAttribute("aria-selected", "true");
    var table = td.closest("table");
    show(+table.dataset.p, +td.parentNode.dataset.w, td.cellIndex - 1);
  }
  function focusCell(td) {
    var table = td.closest("table");
    var old = table.querySelector('td[tabindex="0"]');
    if (old && old !== td) old.tabIndex = -1;
    td.tabIndex = 0;
    td.focus();
  }
  var onlyBad = false;
  function visible(tr) { return !tr.hidden && !(onlyBad && tr.classList.contains("ok")); }
  function step(tr, dir) {
    var row = dir > 0 ? tr.nextElementSibling : tr.previousElementSibling;
    while (row && !visible(row)) row = dir > 0 ? row.nextElementSibling : row.previousElementSibling;
    return row;
  }
  host.addEventListener("click", function (e) {
    var td = e.target.closest ? e.target.closest("td.cell") : null;
    if (!td) return;
    focusCell(td);
    select(td);
  });
  host.addEventListener("keydown", function (e) {
    var td = e.target.closest ? e.target.closest("td.cell") : null;
    if (!td) return;
    var tr = td.parentNode, i = td.cellIndex, next = null, row;
    switch (e.key) {
      case "ArrowRight": next = td.nextElementSibling; break;
      case "ArrowLeft": next = i > 1 ? td.previousElementSibling : null; break;
      case "ArrowDown": row = step(tr, 1); next = row ? row.cells[i] : null; break;
      case "ArrowUp": row = step(tr, -1); next = row ? row.cells[i] : null; break;
      case "Home": next = tr.cells[1]; break;
      case "End": next = tr.cells[tr.cells.length - 1]; break;
      case "Enter": case " ": e.preventDefault(); select(td); return;
      default: return;
    }
    e.preventDefault();
    if (next) { focusCell(next); select(next); }
  });

  var onlyBox = document.getElementById("only-bad");
  onlyBox.addEventListener("change", function () {
    onlyBad = onlyBox.checked;
    document.body.classList.toggle("only-bad", onlyBad);
  });
  var filter = document.getElementById("wheel-filter"), timer = 0;
  filter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = filter.value.trim().toLowerCase();
      var trs = host.querySelectorAll("tbody tr");
      for (var n = 0; n < trs.length; n++) {
        var w = +trs[n].dataset.w;
        trs[n].hidden = q !== "" && D.wheels[w].file.toLowerCase().indexOf(q) < 0;
      }
    }, 120);
  });

  document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
  document.body.dataset.ready = "1";
})();
`;
