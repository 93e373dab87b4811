// The report page's script. Runs in the browser from report.html (inlined and
// allowed by its CSP hash). It builds every element with textContent, never
// innerHTML, so nothing a target sent can become markup.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var report = data.report;
  var app = document.getElementById('app');

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }
  function badge(status) { return el('span', { class: 'badge ' + status, text: status }); }
  function ms(v) { return v == null ? '' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : (Math.round(v * 10) / 10) + ' ms'; }
  function secs(v) { return (v / 1000).toFixed(1) + ' s'; }
  function section(title) { var s = el('section', null, el('h2', { text: title })); app.appendChild(s); return s; }
  var palette = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#d1242f', '#57606a'];

  // ---- verdict ----
  var header = document.getElementById('verdict');
  header.textContent = '';
  header.className = 'verdict status-' + report.run.status;
  header.appendChild(el('h1', { id: 'verdict-text', text: 'roomgate ' + report.run.name + ': ' + report.run.status.toUpperCase() + (report.run.partial ? ' (partial)' : '') }));
  var counts = {};
  report.steps.forEach(function (s) { counts[s.status] = (counts[s.status] || 0) + 1; });
  var countText = Object.keys(counts).map(function (k) { return counts[k] + ' ' + k; }).join(', ');
  header.appendChild(el('p', { text: report.target.baseUrl + (report.target.embedded ? ' (embedded reference server)' : '') + ' · ' + secs(report.run.durationMs) + ' · ' + report.steps.length + ' steps: ' + countText + ' · started ' + report.run.startedAt }));
  if (report.run.reason) header.appendChild(el('p', { text: report.run.reason }));

  // ---- steps ----
  var steps = section('Steps');
  var st = el('table', null, el('tr', null, el('th', { text: 'step' }), el('th', { text: 'kind' }), el('th', { text: 'status' }), el('th', { text: 'checks' }), el('th', { text: 'SLOs' }), el('th', { text: 'time' }), el('th', { text: 'reason' })));
  report.steps.forEach(function (s) {
    var passedChecks = s.checks.filter(function (c) { return c.status === 'passed'; }).length;
    var passedSlos = s.slos.filter(function (c) { return c.status === 'passed'; }).length;
    st.appendChild(el('tr', null, el('td', { text: s.name }), el('td', { text: s.kind }), el('td', null, badge(s.status)),
      el('td', { class: 'num', text: s.checks.length ? passedChecks + '/' + s.checks.length : '' }),
      el('td', { class: 'num', text: s.slos.length ? passedSlos + '/' + s.slos.length : '' }),
      el('td', { class: 'num', text: secs(s.durationMs) }), el('td', { text: s.reason || '' })));
  });
  steps.appendChild(st);

  // ---- charts over time (from window events) ----
  // perRow: how many charts share the row (their widths must be known before drawing).
  function chart(container, title, xs, series, yLabel, perRow, xAxis) {
    var box = el('div', { class: 'chart' }, el('h3', { text: title }));
    container.appendChild(box);
    var width = Math.max(300, Math.floor(((container.clientWidth || 1100) - 16 * (perRow - 1)) / perRow) - 8);
    var opts = {
      width: width, height: 240,
      scales: { x: { time: false } },
      axes: [xAxis || { label: 'seconds since start' }, { label: yLabel }],
      series: [{ label: 's' }].concat(series.map(function (s, i) { return { label: s.label, stroke: palette[i % palette.length], width: 1.5, points: { show: xs.length < 40 } }; })),
    };
    // uPlot draws on a canvas inside box.
    new uPlot(opts, [xs].concat(series.map(function (s) { return s.values; })), box);
  }

  var timelineSteps = Object.keys(report.timeline || {}).filter(function (k) { return report.timeline[k] && report.timeline[k].length > 0; });
  if (timelineSteps.length > 0) {
    var ts = section('Load over time');
    timelineSteps.forEach(function (name) {
      var windows = report.timeline[name];
      var t0 = windows[0].startMs;
      var xs = windows.map(function (w) { return (w.endMs - t0) / 1000; });
      var ops = {};
      windows.forEach(function (w) { Object.keys(w.operations).forEach(function (op) { ops[op] = true; }); });
      var opNames = Object.keys(ops).sort();
      ts.appendChild(el('h3', { text: name }));
      var row = el('div', { class: 'charts' });
      ts.appendChild(row);
      var lat = [];
      opNames.forEach(function (op) {
        ['p50', 'p99'].forEach(function (p) {
          lat.push({ label: op + ' ' + p, values: windows.map(function (w) { var o = w.operations[op]; return o && o.count > 0 ? o[p] : null; }) });
        });
      });
      chart(row, 'Latency percentiles per operation (ms)', xs, lat, 'ms', 2);
      var thr = [{ label: 'requests/s', values: windows.map(function (w) { var n = 0; for (var op in w.operations) n += w.operations[op].count; return n / Math.max(0.001, (w.endMs - w.startMs) / 1000); }) },
        { label: 'errors/s', values: windows.map(function (w) { var n = 0; for (var op in w.operations) n += w.operations[op].errors; return n / Math.max(0.001, (w.endMs - w.startMs) / 1000); }) }];
      if (windows.some(function (w) { return w.targetRate != null; })) thr.push({ label: 'target rate', values: windows.map(function (w) { return w.targetRate == null ? null : w.targetRate; }) });
      chart(row, 'Throughput and errors', xs, thr, 'per second', 2);
    });
  }

  // ---- latency distribution (percentile spectrum of HDR histograms) ----
  if (data.spectra.length > 0) {
    var hs = section('Latency distribution');
    hs.appendChild(el('p', { class: 'muted', text: 'Latency at each percentile, from the HDR histograms the steps recorded (x: percentile, y: ms).' }));
    var byStep = {};
    data.spectra.forEach(function (s) { (byStep[s.step] = byStep[s.step] || []).push(s); });
    Object.keys(byStep).forEach(function (step) {
      var row = el('div', { class: 'charts' });
      hs.appendChild(row);
      var list = byStep[step].slice(0, 8);
      var xs = list[0].points.map(function (p, i) { return i; });
      var pct = list[0].points.map(function (p) { return p[0]; });
      chart(row, step + ': latency by percentile', xs,
        list.map(function (s) { return { label: s.key + ' (n=' + s.count + ')', values: s.points.map(function (p) { return p[1]; }) }; }), 'ms', 1,
        { label: 'percentile', splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return 'p' + pct[i]; }); } });
    });
  }

  // ---- SLOs ----
  if (report.slos.length > 0) {
    var ss = section('SLOs');
    var t = el('table', null, el('tr', null, el('th', { text: 'step' }), el('th', { text: 'threshold' }), el('th', { text: 'status' }), el('th', { text: 'observed' }), el('th', { text: 'threshold value' })));
    report.slos.forEach(function (s) {
      var fmt = function (v) { return v == null ? '—' : s.unit === 'ms' ? ms(v) : s.unit === 'ratio' ? (v * 100).toFixed(3) + ' %' : String(v); };
      t.appendChild(el('tr', null, el('td', { text: s.step }), el('td', null, el('code', { text: s.expression })), el('td', null, badge(s.status)), el('td', { class: 'num', text: fmt(s.observed) }), el('td', { class: 'num', text: fmt(s.threshold) })));
    });
    ss.appendChild(t);
  }

  // ---- contract checks ----
  var checkSteps = report.steps.filter(function (s) { return s.checks.length > 0; });
  if (checkSteps.length > 0) {
    var cs = section('Checks');
    checkSteps.forEach(function (s) {
      cs.appendChild(el('h3', { text: s.name + ' (' + s.kind + ')' }));
      var t = el('table', null, el('tr', null, el('th', { text: 'group' }), el('th', { text: 'check' }), el('th', { text: 'status' }), el('th', { text: 'detail' })));
      var ordered = s.checks.slice().sort(function (a, b) { var r = { failed: 0, errored: 1, skipped: 2, passed: 3 }; return r[a.status] - r[b.status]; });
      ordered.forEach(function (c) {
        var detail = el('td');
        if (c.status === 'skipped') detail.appendChild(document.createTextNode(c.reason));
        if (c.message) detail.appendChild(el('div', { text: c.message }));
        (c.evidence || []).forEach(function (e) {
          var text = 'expected: ' + e.expected + (e.actual ? '\nactual:   ' + e.actual : '');
          if (e.request) text += '\n\n' + e.request.method + ' ' + e.request.url + Object.keys(e.request.headers || {}).map(function (h) { return '\n' + h + ': ' + e.request.headers[h]; }).join('') + (e.request.body ? '\n\n' + e.request.body : '');
          if (e.response) text += '\n\nHTTP ' + e.response.status + Object.keys(e.response.headers || {}).map(function (h) { return '\n' + h + ': ' + e.response.headers[h]; }).join('') + (e.response.body ? '\n\n' + e.response.body : '') + (e.response.truncated ? ' …(truncated)' : '');
          if (e.curl) text += '\n\n' + e.curl;
          detail.appendChild(el('details', null, el('summary', { text: 'evidence' }), el('pre', { text: text })));
        });
        if (c.status === 'passed' && c.observations != null) detail.appendChild(document.createTextNode(c.observations + ' observations'));
        t.appendChild(el('tr', null, el('td', { text: c.group }), el('td', null, el('code', { text: c.name })), el('td', null, badge(c.status)), detail));
      });
      cs.appendChild(t);
    });
  }

  // ---- browser participants: join waterfall ----
  report.steps.forEach(function (s) {
    var participants = s.summary && Array.isArray(s.summary.participants) ? s.summary.participants : null;
    if (!participants || participants.length === 0) return;
    var bs = section('Participants: ' + s.name);
    bs.appendChild(el('p', { class: 'muted', text: 'Join waterfall per participant: each bar starts when the phase started and ends when it finished (ms since the participant started).' }));
    var phasesOf = function (p) {
      // Accept either explicit phases [{name,startMs,endMs}] or *Ms durations laid end to end.
      if (Array.isArray(p.phases)) return p.phases.filter(function (ph) { return typeof ph.startMs === 'number' && typeof ph.endMs === 'number'; });
      var out = [], at = 0, src = p.timings || p;
      Object.keys(src).forEach(function (k) { if (/Ms$/.test(k) && typeof src[k] === 'number' && src[k] >= 0) { out.push({ name: k.replace(/Ms$/, ''), startMs: at, endMs: at + src[k] }); at += src[k]; } });
      return out;
    };
    var max = 1;
    participants.forEach(function (p) { phasesOf(p).forEach(function (ph) { max = Math.max(max, ph.endMs); }); });
    var wf = el('div', { class: 'waterfall' });
    var names = {};
    participants.forEach(function (p) {
      var track = el('div', { class: 'wf-track' });
      phasesOf(p).forEach(function (ph) {
        if (!(ph.name in names)) names[ph.name] = Object.keys(names).length;
        var seg = el('div', { class: 'wf-seg', title: ph.name + ': ' + ms(ph.endMs - ph.startMs) });
        seg.style.left = (100 * ph.startMs / max) + '%';
        seg.style.width = Math.max(0.3, 100 * (ph.endMs - ph.startMs) / max) + '%';
        seg.style.background = palette[names[ph.name] % palette.length];
        track.appendChild(seg);
      });
      var status = p.status || (p.failure ? 'failed' : p.label ? 'failed' : 'passed');
      wf.appendChild(el('div', { class: 'wf-row' }, el('div', { class: 'wf-name', text: String(p.name || '') }), track,
        el('div', { class: 'wf-label' }, badge(String(status)), document.createTextNode(' ' + String(p.failure || p.label || '')))));
      (p.artifacts || []).forEach(function (a) {
        var path = typeof a === 'string' ? a : a.path;
        if (typeof path !== 'string' || /^[a-z]+:/i.test(path) || path.indexOf('..') >= 0) return;
        wf.appendChild(el('div', { class: 'artifact' }, /\.(png|jpe?g|webp)$/i.test(path) ? el('img', { src: path, alt: String(a.description || path) }) : el('a', { href: path, text: path })));
      });
    });
    bs.appendChild(wf);
    bs.appendChild(el('p', { class: 'muted', text: 'Legend: ' + Object.keys(names).join(' → ') + ' · scale 0 – ' + ms(max) }));
  });

  // ---- artifacts and step figures ----
  // Only relative paths inside the run folder: a hostile path (javascript:, ../) is not linked.
  function safePath(p) { return typeof p === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(p) && p.indexOf('..') < 0 && p.charAt(0) !== '/'; }
  var withArtifacts = report.steps.filter(function (s) { return s.artifacts.some(function (a) { return safePath(a.path); }); });
  if (withArtifacts.length > 0) {
    var as = section('Artifacts');
    withArtifacts.forEach(function (s) {
      s.artifacts.forEach(function (a) {
        if (!safePath(a.path)) return;
        var item = el('div', { class: 'artifact' }, el('strong', { text: s.name + ': ' }), document.createTextNode(a.description + ' '), el('a', { href: a.path, text: a.path }));
        if (a.kind === 'screenshot') item.appendChild(el('img', { src: a.path, alt: a.description }));
        as.appendChild(item);
      });
    });
  }
  var figureSteps = report.steps.filter(function (s) { return s.summary && Object.keys(s.summary).some(function (k) { var v = s.summary[k]; return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'; }); });
  if (figureSteps.length > 0) {
    var fs = section('Figures');
    figureSteps.forEach(function (s) {
      var t = el('table');
      Object.keys(s.summary).forEach(function (k) {
        var v = s.summary[k];
        if (k === 'stack' || (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean')) return;
        t.appendChild(el('tr', null, el('td', { text: k }), el('td', { class: 'num', text: String(v) })));
      });
      fs.appendChild(el('h3', { text: s.name }));
      fs.appendChild(t);
    });
  }
  document.body.setAttribute('data-rendered', 'true');
})();
