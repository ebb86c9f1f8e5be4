"""The page's stylesheet and its one small script, kept out of the markup code."""

from __future__ import annotations

CSS = """
:root { --ok:#15803d; --ok-bg:#dcfce7; --bad:#b91c1c; --bad-bg:#fee2e2; --warn:#b45309;
  --warn-bg:#fef3c7; --skip:#4b5563; --skip-bg:#e5e7eb; --info:#1d4ed8; --info-bg:#dbeafe;
  --line:#e5e7eb; --muted:#6b7280; --text:#111827; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--text); background:#f9fafb; }
nav { position:sticky; top:0; z-index:10; background:#111827; padding:8px 24px; display:flex;
  gap:20px; }
nav a { color:#e5e7eb; text-decoration:none; font-weight:600; }
nav a:hover { color:#fff; text-decoration:underline; }
main { max-width:1280px; margin:0 auto; padding:16px 24px 48px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:8px 20px 16px;
  margin:18px 0; scroll-margin-top:48px; }
h1 { font-size:20px; margin:0 0 6px; } h2 { font-size:19px; margin:10px 0 6px; }
h3 { font-size:15px; margin:18px 0 8px; } h4 { margin:0 0 4px; font-size:14px; }
code, pre { font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
pre { background:#f3f4f6; border-radius:6px; padding:8px 10px; white-space:pre-wrap;
  word-break:break-all; margin:4px 0; }
.muted { color:var(--muted); } .small { font-size:12px; margin:4px 0; }
.verdict { display:flex; gap:20px; align-items:center; border-radius:10px; padding:16px 20px;
  color:#fff; scroll-margin-top:48px; }
.verdict .word { font-size:34px; font-weight:800; letter-spacing:1px; min-width:170px;
  text-align:center; }
.verdict ul { margin:0; padding-left:18px; } .verdict p { margin:0; }
.verdict.pass { background:var(--ok); } .verdict.fail { background:var(--bad); }
.verdict.incomplete { background:var(--warn); }
.meta { display:flex; flex-wrap:wrap; gap:10px 28px; margin:12px 2px 4px; }
.meta dt { font-size:11px; text-transform:uppercase; color:var(--muted); letter-spacing:.5px; }
.meta dd { margin:0; font-weight:600; }
.replay summary { cursor:pointer; color:var(--info); margin:6px 2px; }
.problem { background:var(--warn-bg); color:var(--warn); border-radius:6px; padding:8px 12px; }
.cards { display:flex; flex-wrap:wrap; gap:14px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:10px 14px;
  flex:1 1 260px; }
.phase { color:inherit; text-decoration:none; } .phase:hover { border-color:#9ca3af; }
.phase h3 { margin:2px 0 6px; text-transform:capitalize; } .phase p { margin:0; }
.hdr { flex:0 1 300px; }
.badge { display:inline-block; border-radius:999px; padding:1px 9px; font-size:12px;
  font-weight:600; white-space:nowrap; text-transform:none; }
.badge.ok { background:var(--ok-bg); color:var(--ok); }
.badge.bad { background:var(--bad-bg); color:var(--bad); }
.badge.warn { background:var(--warn-bg); color:var(--warn); }
.badge.skip { background:var(--skip-bg); color:var(--skip); }
.badge.info { background:var(--info-bg); color:var(--info); }
.stats { display:flex; flex-wrap:wrap; gap:8px 14px; align-items:center; }
table { border-collapse:collapse; width:100%; margin:4px 0 8px; }
th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:left;
  vertical-align:top; }
thead th { background:#f3f4f6; font-size:12px; }
table.matrix thead th:not(:first-child) { text-align:center; }
table.num td:not(:first-child), table.num th:not(:first-child) { text-align:right;
  font-variant-numeric:tabular-nums; }
.scroll { overflow-x:auto; }
table.matrix th[scope=row] { font:12.5px ui-monospace,Menlo,Consolas,monospace;
  white-space:nowrap; }
table.matrix td.cell { text-align:center; white-space:nowrap; font-weight:600; font-size:12.5px; }
td.cell.ok { background:var(--ok-bg); color:var(--ok); }
td.cell.bad { background:var(--bad-bg); } td.cell.bad a { color:var(--bad); }
td.cell.skip { background:var(--skip-bg); color:var(--skip); }
td.cell.mixed { background:#ecfccb; color:#3f6212; }
td.cell.warn { background:var(--warn-bg); } td.cell.warn a { color:var(--warn); }
details.failure.warning { border-color:#fde68a; }
details.failure.warning summary { background:var(--warn-bg); }
td.cell.na { color:#d1d5db; }
details.failure { border:1px solid #fecaca; border-radius:8px; margin:8px 0; background:#fff; }
details.failure[open] { box-shadow:0 1px 6px rgba(0,0,0,.08); }
details.failure summary { cursor:pointer; padding:8px 12px; background:#fef2f2; border-radius:8px; }
dl.facts { display:grid; grid-template-columns:170px 1fr; gap:6px 12px; padding:6px 12px 10px;
  margin:0; }
dl.facts dt { color:var(--muted); font-weight:600; } dl.facts dd { margin:0; min-width:0; }
blockquote { margin:0; border-left:3px solid #93c5fd; padding:2px 10px; color:#1e3a8a; }
.charts.two { display:grid; grid-template-columns:1fr 1fr; gap:14px; }
@media (max-width: 900px) { .charts.two { grid-template-columns:1fr; } }
.chart { border:1px solid var(--line); border-radius:8px; padding:4px; margin:10px 0;
  min-width:0; background:#fff; }
/* matplotlib's SVG, scaled to the box: its viewBox is drawn for the box's width in px. */
.chart svg { display:block; width:100%; height:auto; }
footer { color:var(--muted); font-size:12px; margin-top:24px; }
@media print { nav { display:none; } section { break-inside:avoid-page; } }
"""

# Opening a failure from the matrix: follow the link, then open its <details>.
SCRIPT = """
(function () {
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
"""
