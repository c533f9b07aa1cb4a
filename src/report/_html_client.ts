/**
 * The script and style embedded in the HTML report. Plain ES2020 and CSS as strings: the page
 * must work offline from one file, with no framework and no network.
 *
 * The script reads the data block once and builds one heat map (one DOM write); choosing a
 * policy or a judgement repaints its cells in place (class and marker per cell), so a dozen
 * policies cost one table instead of a dozen. Clicks and keys go through one delegated listener
 * per event type. It also paints the runtime × runtime matrix: shares under the chosen
 * judgement, the chosen scheme's tag groups as outlines, and its errors per cell.
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
.headline { font-size: 16px; margin: 8px 0 4px; }
ul.why { margin: 4px 0 10px; padding-left: 20px; } ul.why li { margin: 2px 0; }
nav.toc { margin: 0 0 8px; color: var(--muted); }
table.summary { border-collapse: collapse; margin: 8px 0; }
table.summary th, table.summary td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.summary td.pol { min-width: 280px; }
table.summary.glance td { vertical-align: middle; } table.summary.glance td.pol { min-width: 220px; }
table.summary.rt td:not(:last-child) { white-space: nowrap; } table.summary.rt code { word-break: normal; }
.disputed { color: #8a3a00; font-style: italic; white-space: nowrap; }
svg.bars { display: block; }
svg.bars .b-ua { fill: var(--ua); } svg.bars .b-nr { fill: #d8c600; }
svg.bars .b-strict { fill-opacity: .55; } svg.bars .b-disp { fill: #1b1b1b; fill-opacity: .45; }
svg.bars .b-n { font-size: 11px; fill: var(--fg); } svg.bars .b-j { font-size: 10px; fill: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; }
.badge.ok { background: var(--ca); color: var(--ca-fg); } .badge.bad { background: var(--ua); color: var(--ua-fg); }
code { font: 12.5px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0 12px; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 6px; }
details.codes { margin: 0 0 10px; } details.codes summary { cursor: pointer; color: var(--muted); }
details.codes ul { margin: 4px 0; padding-left: 20px; }
.sw { display: inline-block; min-width: 22px; height: 18px; line-height: 18px; padding: 0 2px; text-align: center; font-weight: 700; border: 1px solid rgba(0,0,0,.15); flex: none; }
.controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 8px 0; }
.controls input[type=search] { width: 260px; padding: 4px 6px; }
.controls select { max-width: 420px; padding: 3px 4px; }
.hm-wrap { overflow: auto; max-height: calc(100vh - 24px); border: 1px solid var(--line); }
table.hm { border-collapse: separate; border-spacing: 1px; table-layout: fixed; font-size: 12px; }
table.hm th { font-weight: 500; background: var(--bg); }
table.hm thead th { position: sticky; top: 0; z-index: 2; width: 46px; font-size: 11px; line-height: 1.1; vertical-align: bottom; padding: 4px 1px; word-break: break-all; box-shadow: 0 1px 0 var(--line); }
table.hm thead th.corner { left: 0; z-index: 3; width: 400px; text-align: left; }
table.hm thead th.unavail { color: var(--muted); text-decoration: underline dotted; }
table.hm tbody th { position: sticky; left: 0; z-index: 1; text-align: left; width: 400px; padding: 1px 6px 1px 2px; white-space: normal; overflow-wrap: anywhere; line-height: 1.25; font: 11.5px/1.25 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.hm tr.grp th { font: 600 12px/1.3 system-ui, sans-serif; padding: 8px 4px 2px; background: var(--panel); color: var(--muted); }
td.cell { height: 18px; padding: 0; text-align: center; font-weight: 700; cursor: pointer; line-height: 18px; }
td.cell:focus { outline: 2px solid var(--fg); outline-offset: -2px; }
td.cell.sel { outline: 3px solid var(--focus); outline-offset: -1px; position: relative; z-index: 0; }
.va { background: var(--ca); color: var(--ca-fg); } .vr { background: var(--cr); color: var(--cr-fg); }
.vu { background: var(--ua); color: var(--ua-fg); } .vn { background: var(--nr); color: var(--nr-fg); }
.vd { background: var(--de); color: var(--de-fg); } .ve { background: var(--ie); color: var(--ie-fg); }
.vi { background: var(--ie); color: var(--ie-fg); font-style: italic; }
.vz { background: #f4f1ea; color: #6b5d3f; font-weight: 400; font-size: 10.5px; font-family: ui-monospace, monospace; }
.vx { background: repeating-linear-gradient(45deg, #fff, #fff 3px, #ececec 3px, #ececec 6px); color: var(--muted); font-weight: 400; }
.disp { box-shadow: inset 0 0 0 2px #1b1b1b; font-style: italic; }
body.only-bad tr.ok { display: none; }
.rm-wrap { overflow-x: auto; }
table.rm { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
table.rm th { font-weight: 500; padding: 3px 6px; white-space: nowrap; }
table.rm thead th { font-size: 11px; vertical-align: bottom; }
table.rm tbody th { text-align: left; }
td.rmc { width: 66px; height: 30px; text-align: center; padding: 1px 2px; border: 1px solid #fff; font-variant-numeric: tabular-nums; line-height: 1.1; }
td.rmc .share { display: block; } td.rmc .errs { display: block; font-size: 10px; font-weight: 700; color: #6b2a00; }
.s-none { background: #fafafa; color: var(--muted); }
.s0 { background: #f4c7ae; } .s1 { background: #f5d0b6; } .s2 { background: #f5d9bf; } .s3 { background: #f5e2c8; }
.s4 { background: #f4ead1; } .s5 { background: #f1efd6; } .s6 { background: #e3eed2; } .s7 { background: #d0eacd; }
.s8 { background: #bce4c8; } .s9 { background: #a6ddc4; } .s10 { background: #8fd6c0; }
#panel h2 { margin-top: 0; } #panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; margin: 6px 0; }
#panel dt { color: var(--muted); } #panel dd { margin: 0; min-width: 0; }
#panel .verdict { display: inline-flex; gap: 8px; align-items: center; padding: 4px 10px; font-weight: 700; border-radius: 4px; }
#panel ul.evidence { padding-left: 18px; margin: 4px 0; } #panel ul.evidence li { margin-bottom: 6px; }
#panel .hint { color: var(--muted); }
#panel p.dispute { border-left: 4px solid #1b1b1b; padding: 2px 8px; background: #fff; }
.others { list-style: none; padding: 0; margin: 4px 0; } .others li { display: flex; gap: 6px; align-items: center; margin: 2px 0; }
details.sep summary { cursor: pointer; color: var(--muted); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/** Inline script of the report: builds the heat map, the side panel and the matrix overlays. */
export const HTML_SCRIPT = `
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("conform-data").textContent);
  var W = D.wheels.length, R = D.runtimes.length;
  var V = {
    a: ["correct accept", "\\u2713", "the policy installs it and it works"],
    r: ["correct reject", "\\u2013", "the policy refuses it and it would break"],
    u: ["unsafe accept", "!", "the policy installs it but it breaks"],
    n: ["needless reject", "\\u2717", "the policy refuses it although it works"],
    d: ["defective wheel", "D", "fails even on its own runtime; scored apart"],
    i: ["inconclusive", "?", "a needed library was not supplied; scored apart"],
    e: ["input error", "E", "the wheel could not be read"],
    z: ["not judged: lock-file package", "", "a .zip package from a Pyodide lock file: Pyodide loads it by name, no installer compares its tag, so no policy has a verdict; the cell shows its link outcome"],
    x: ["not measured", "\\u2014", "no prediction: runtime unavailable or pair not scored"]
  };
  var state = { pi: 0, j: "load" };
  var lock = {};
  D.lockPackages.forEach(function (w) { lock[w] = true; });
  function esc(s) {
    return String(s).replace(/[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]/g, "\\ufffd").replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function str(i) { return i >= 0 ? D.strings[i] : ""; }
  function policy() { return D.policies[state.pi]; }
  function codes(p) { return state.j === "strict" ? p.sv : p.v; }
  function dispute(p, k, j) { var m = p.disputes[j || state.j]; return m ? m[k] : undefined; }
  function outcomeAt(k) { var oi = D.outcomeIndex[k]; return oi >= 0 ? D.outcomes[oi] : null; }
  function marker(c, k, p) {
    if (c === "z") { var o = outcomeAt(k); return o ? (D.outcomeCodes[o.outcome] || o.outcome) : ""; }
    return V[c][1] + (dispute(p, k) ? "?" : "");
  }
  function dirOf(file) { var i = file.lastIndexOf("/"); return i < 0 ? "" : file.slice(0, i + 1); }
  function baseOf(file) { return file.slice(file.lastIndexOf("/") + 1); }

  // The heat map: built once; paint() sets each cell for the chosen policy and judgement.
  var head = '<thead><tr><th class="corner" scope="col">wheel \\\\ runtime</th>';
  for (var r = 0; r < R; r++) {
    var rt = D.runtimes[r];
    var title = "Python " + rt.python + ", Emscripten " + rt.emscripten + ", " + rt.platformTag +
      (rt.unavailable ? " \\u2014 not measured: " + rt.unavailable : "");
    head += '<th scope="col"' + (rt.unavailable ? ' class="unavail"' : "") + ' title="' + esc(title) + '">' +
      esc(rt.version) + (rt.unavailable ? "\\u2020" : "") + "</th>";
  }
  head += "</tr></thead>";
  var rows = [], lastDir = null;
  for (var w = 0; w < W; w++) {
    var file = D.wheels[w].file, dir = dirOf(file);
    if (dir !== lastDir && dir !== "") {
      rows.push('<tr class="grp"><th colspan="' + (R + 1) + '" scope="rowgroup">' + esc(dir) + "</th></tr>");
    }
    lastDir = dir;
    var cells = "";
    for (var r2 = 0; r2 < R; r2++) cells += '<td class="cell" tabindex="-1"></td>';
    rows.push('<tr data-w="' + w + '"><th scope="row" title="' + esc(file) + '">' + esc(baseOf(file)) + "</th>" + cells + "</tr>");
  }
  var host = document.getElementById("maps");
  host.innerHTML = '<table class="hm" role="grid" data-p="0" data-j="load" aria-label="Heat map: wheels by runtimes under the selected policy">' +
    head + "<tbody>" + rows.join("") + "</tbody></table>";
  var table = host.querySelector("table.hm");
  var wheelRows = table.querySelectorAll("tbody tr[data-w]");
  var groupRows = table.querySelectorAll("tbody tr.grp");
  var firstCell = table.querySelector("td.cell");
  if (firstCell) firstCell.tabIndex = 0;
  var selected = null;

  function paint() {
    var p = policy(), v = codes(p);
    table.dataset.p = String(state.pi);
    table.dataset.j = state.j;
    for (var n = 0; n < wheelRows.length; n++) {
      var tr = wheelRows[n], w2 = +tr.dataset.w, bad = false;
      for (var c = 0; c < R; c++) {
        var k = w2 * R + c, code = v.charAt(k), td = tr.cells[c + 1];
        if (code === "u" || code === "n") bad = true;
        td.className = "cell v" + code + (dispute(p, k) ? " disp" : "") +
          (selected && selected.w === w2 && selected.r === c ? " sel" : "");
        td.textContent = marker(code, k, p);
      }
      tr.classList.toggle("ok", !bad);
    }
    var st = p.strictRank !== undefined
      ? "; strict: rank " + p.strictRank + ", " + (p.strictCorrect ? "CORRECT" : "UNSAFE") + ", " +
        p.strictUnsafeAccepts + " unsafe accepts, " + p.strictNeedlessRejects + " needless rejects"
      : "";
    var nd = Object.keys(p.disputes[state.j] || {}).length;
    document.getElementById("policy-line").textContent = p.rank + ". " + p.id + " \\u2014 " + p.title +
      " \\u2014 load: " + (p.correct ? "CORRECT" : "UNSAFE") + ", " + p.unsafeAccepts + " unsafe accepts, " +
      p.needlessRejects + " needless rejects" + st + "; " + p.tagCount + " tags" +
      (nd ? "; " + nd + " disputed pair" + (nd === 1 ? "" : "s") + " under " + state.j : "") +
      ". Cells show the " + state.j + " verdict.";
    updateGroups();
    paintMatrix();
    if (selected) show(selected.w, selected.r);
  }

  // The runtime matrix: shares under the judgement, outlines of the scheme's tag groups, errors.
  var matrixCells = document.querySelectorAll("td.rmc");
  function paintMatrix() {
    var p = policy(), m = D.matrix[state.j], group = [];
    p.groups.forEach(function (g, gi) { g.forEach(function (r3) { group[r3] = gi; }); });
    var errs = {};
    (p.matrixErrors[state.j] || []).forEach(function (e) { errs[e[0] * R + e[1]] = e; });
    function same(a, b) { return a >= 0 && b >= 0 && a < R && b < R && group[a] !== undefined && group[a] === group[b]; }
    for (var n = 0; n < matrixCells.length; n++) {
      var td = matrixCells[n], a = +td.dataset.a, b = +td.dataset.b, c = m[a][b];
      var bucket = c.total > 0 ? Math.round(10 * c.works / c.total) : -1;
      td.className = "rmc " + (bucket < 0 ? "s-none" : "s" + bucket) + (same(a, b) ? " g" : "");
      td.firstChild.textContent = c.total > 0 ? (c.works === c.total ? "100%" : c.works === 0 ? "0%" : (100 * c.works / c.total).toFixed(1) + "%") : "\\u2013";
      var e = errs[a * R + b];
      td.lastChild.textContent = e ? (e[2] ? "!" + e[2] : "") + (e[2] && e[3] ? " " : "") + (e[3] ? "\\u2717" + e[3] : "") : "";
      td.title = c.works + " of " + c.total + " wheels built for " + D.runtimes[a].version + " work on " +
        D.runtimes[b].version + " (" + state.j + ")" + (same(a, b) ? "; " + p.id + " gives them a common tag" : "") +
        (e ? "; " + p.id + ": " + e[2] + " unsafe accepts, " + e[3] + " needless rejects here" : "");
      var s = [];
      if (same(a, b)) {
        // An edge of the block where the neighbouring cell is outside the group.
        if (!same(a - 1, b)) s.push("inset 0 3px 0 #1b1b1b");
        if (!same(a + 1, b)) s.push("inset 0 -3px 0 #1b1b1b");
        if (!same(a, b - 1)) s.push("inset 3px 0 0 #1b1b1b");
        if (!same(a, b + 1)) s.push("inset -3px 0 0 #1b1b1b");
      }
      td.style.boxShadow = s.join(", ");
    }
    var shared = p.groups.filter(function (g) { return g.length > 1; }).map(function (g) {
      return g.map(function (r4) { return D.runtimes[r4].version; }).join(" = ");
    });
    var line = document.getElementById("matrix-groups");
    if (line) {
      line.textContent = "Runtimes sharing a tag under " + p.id + ": " +
        (shared.length ? shared.join("; ") + (shared.length < p.groups.length ? " (the others each have their own)" : "") : "none");
    }
  }

  var panel = document.getElementById("panel-body");

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

  function show(w, r) {
    var p = policy(), k = w * R + r, wh = D.wheels[w], rt = D.runtimes[r];
    var c = codes(p).charAt(k), o = outcomeAt(k), why = dispute(p, k);
    var s = '<h2>Selected pair</h2><p>' + code(wh.file) + " on " + code("pyodide " + rt.version) + "</p>";
    s += '<p><span class="verdict v' + c + '"><span aria-hidden="true">' + esc(marker(c, k, p)) + "</span>" +
      esc(V[c][0] + (why ? " (disputed)" : "")) + "</span> <span class=\\"hint\\">under " + state.j + "</span></p>" +
      "<p class=\\"hint\\">" + esc(V[c][2]) + "</p>";
    if (why) s += '<p class="dispute"><b>Disputed:</b> ' + esc(why) + ". The count keeps it; read the oracle section below.</p>";
    var inst = p.ins.charAt(k), other = state.j === "load" ? "strict" : "load";
    var oc = (other === "strict" ? p.sv : p.v).charAt(k);
    s += "<h3>Policy " + esc(p.id) + "</h3>" + dl([
      ["verdict", esc((p.correct ? "CORRECT" : "UNSAFE") + ", rank " + p.rank + " under load" +
        (p.strictRank !== undefined ? "; " + (p.strictCorrect ? "CORRECT" : "UNSAFE") + ", rank " + p.strictRank + " under strict" : ""))],
      ["under " + other, oc !== c ? esc(V[oc][0]) + (dispute(p, k, other) ? " (disputed)" : "") : ""],
      ["prediction", inst === "1" ? "install" : inst === "0" ? "refuse" : "none"],
      ["rule", esc(str(p.ru[k]))],
      ["wheel tag", p.wt[k] >= 0 ? code(str(p.wt[k])) : ""],
      ["runtime tags", p.rt[k] >= 0 ? code(str(p.rt[k])) : ""]
    ]);
    s += "<h3>Link outcome</h3>";
    if (o) {
      s += dl([["class", "<b>" + esc(o.outcome) + "</b> (" + code(D.outcomeCodes[o.outcome] || o.outcome) + ")"], ["summary", esc(o.summary)]]);
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
      ["kind", esc(wh.kind) + (lock[w] ? " (lock-file package: not judged by installers)" : "")],
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
    s += '<h3>This pair under every policy (' + state.j + ')</h3><ul class="others">';
    D.policies.forEach(function (q) {
      var cq = codes(q).charAt(k), dq = dispute(q, k);
      s += '<li><span class="sw v' + cq + (dq ? " disp" : "") + '" aria-hidden="true">' + esc(marker(cq, k, q)) + "</span>" +
        esc(q.id) + ": " + esc(V[cq][0]) + (dq ? ' <span class="disputed">(disputed)</span>' : "") + "</li>";
    });
    s += "</ul>";
    panel.innerHTML = s;
    panel.dataset.pair = wh.file + " @ " + rt.version;
  }

  function select(td) {
    var old = table.querySelector("td.cell.sel");
    if (old) { old.classList.remove("sel"); old.removeAttribute("aria-selected"); }
    td.classList.add("sel");
    td.setAttribute("aria-selected", "true");
    selected = { w: +td.parentNode.dataset.w, r: td.cellIndex - 1 };
    show(selected.w, selected.r);
  }
  function focusCell(td) {
    var old = table.querySelector('td[tabindex="0"]');
    if (old && old !== td) old.tabIndex = -1;
    td.tabIndex = 0;
    td.focus();
  }
  var onlyBad = false;
  function visible(tr) {
    return !tr.hidden && !tr.classList.contains("grp") && !(onlyBad && tr.classList.contains("ok"));
  }
  // A folder's heading shows while one of its wheels does.
  function updateGroups() {
    for (var n = 0; n < groupRows.length; n++) {
      var g = groupRows[n], row = g.nextElementSibling, any = false;
      while (row && !row.classList.contains("grp")) { if (visible(row)) { any = true; break; } row = row.nextElementSibling; }
      g.hidden = !any;
    }
  }
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
    updateGroups();
  });
  var filter = document.getElementById("wheel-filter"), timer = 0;
  filter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = filter.value.trim().toLowerCase();
      for (var n = 0; n < wheelRows.length; n++) {
        var w3 = +wheelRows[n].dataset.w;
        wheelRows[n].hidden = q !== "" && D.wheels[w3].file.toLowerCase().indexOf(q) < 0;
      }
      updateGroups();
    }, 120);
  });

  // Every policy and judgement selector shows the same choice.
  var policySelects = document.querySelectorAll("select.policy-select");
  var judgementSelects = document.querySelectorAll("select.judgement-select");
  function choose(pi, j) {
    if (D.policies.length === 0) return;
    state.pi = Math.max(0, Math.min(D.policies.length - 1, pi));
    state.j = j === "strict" ? "strict" : "load";
    for (var n = 0; n < policySelects.length; n++) policySelects[n].value = String(state.pi);
    for (var m = 0; m < judgementSelects.length; m++) judgementSelects[m].value = state.j;
    paint();
  }
  for (var n = 0; n < policySelects.length; n++) {
    policySelects[n].addEventListener("change", function (e) { choose(+e.target.value, state.j); });
  }
  for (var m = 0; m < judgementSelects.length; m++) {
    judgementSelects[m].addEventListener("change", function (e) { choose(state.pi, e.target.value); });
  }
  // Links to #policy-N (the ranking, the bars) choose that policy and show its heat map.
  function followHash() {
    var hit = /^#policy-(\\d+)$/.exec(location.hash);
    if (!hit) return;
    choose(+hit[1], state.j);
    document.getElementById("maps-title").scrollIntoView();
  }
  window.addEventListener("hashchange", followHash);
  if (D.policies.length) paint();
  followHash();

  document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
  document.body.dataset.ready = "1";
})();
`;
