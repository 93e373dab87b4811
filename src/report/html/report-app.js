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
    if (attrs)
      for (var k in attrs) {
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
  function badge(status) {
    return el('span', { class: 'badge ' + status, text: status });
  }
  // Percentiles of an empty histogram are 0; never print them as a figure (src/report/no-samples.ts).
  var NO_SAMPLES = 'n/a (no samples)';
  function ms(v) {
    return v == null ? '' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v * 10) / 10 + ' ms';
  }
  function secs(v) {
    return (v / 1000).toFixed(1) + ' s';
  }
  function section(title) {
    var s = el('section', null, el('h2', { text: title }));
    app.appendChild(s);
    return s;
  }
  var palette = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#d1242f', '#57606a'];

  // ---- verdict ----
  var header = document.getElementById('verdict');
  header.textContent = '';
  header.className = 'verdict status-' + report.run.status;
  header.appendChild(
    el('h1', { id: 'verdict-text', text: 'roomgate ' + report.run.name + ': ' + report.run.status.toUpperCase() + (report.run.partial ? ' (partial)' : '') }),
  );
  var counts = {};
  report.steps.forEach(function (s) {
    counts[s.status] = (counts[s.status] || 0) + 1;
  });
  var countText = Object.keys(counts)
    .map(function (k) {
      return counts[k] + ' ' + k;
    })
    .join(', ');
  header.appendChild(
    el('p', {
      text:
        report.target.baseUrl +
        (report.target.embedded ? ' (embedded reference server)' : '') +
        ' · ' +
        secs(report.run.durationMs) +
        ' · ' +
        report.steps.length +
        ' steps: ' +
        countText +
        ' · started ' +
        report.run.startedAt,
    }),
  );
  if (report.run.reason) header.appendChild(el('p', { text: report.run.reason }));

  // ---- steps ----
  var steps = section('Steps');
  var st = el(
    'table',
    null,
    el(
      'tr',
      null,
      el('th', { text: 'step' }),
      el('th', { text: 'kind' }),
      el('th', { text: 'status' }),
      el('th', { text: 'checks' }),
      el('th', { text: 'SLOs' }),
      el('th', { text: 'time' }),
      el('th', { text: 'reason' }),
    ),
  );
  report.steps.forEach(function (s) {
    var passedChecks = s.checks.filter(function (c) {
      return c.status === 'passed';
    }).length;
    var passedSlos = s.slos.filter(function (c) {
      return c.status === 'passed';
    }).length;
    st.appendChild(
      el(
        'tr',
        null,
        el('td', { text: s.name }),
        el('td', { text: s.kind }),
        el('td', null, badge(s.status)),
        el('td', { class: 'num', text: s.checks.length ? passedChecks + '/' + s.checks.length : '' }),
        el('td', { class: 'num', text: s.slos.length ? passedSlos + '/' + s.slos.length : '' }),
        el('td', { class: 'num', text: secs(s.durationMs) }),
        el('td', { text: s.reason || '' }),
      ),
    );
  });
  steps.appendChild(st);

  // ---- the run's one timeline (report.runTimeline, src/report/run-timeline.ts) ----
  // Drawn with positioned elements rather than uPlot: bands must shade every lane at once and each
  // window must be clickable for its drill-down; a lane is a row of boxes on one shared time axis.
  var rt = report.runTimeline;
  if (rt && rt.endMs > rt.originMs && (rt.bands.length > 0 || rt.api.length > 0))
    (function () {
      var span = rt.endMs - rt.originMs;
      function pct(t) {
        return Math.max(0, Math.min(100, ((t - rt.originMs) / span) * 100));
      }
      function place(node, start, end) {
        node.style.left = pct(start) + '%';
        node.style.width = Math.max(0.3, pct(end) - pct(start)) + '%';
        return node;
      }
      function at(t) {
        return '+' + secs(t - rt.originMs);
      }
      var sec = section('Run timeline');
      sec.setAttribute('id', 'run-timeline');
      sec.appendChild(
        el('p', {
          class: 'muted',
          text:
            'Every step on one clock (0 = ' +
            new Date(rt.originMs).toISOString() +
            ', ' +
            secs(span) +
            ' in all). Shaded: incidents (red) and phases (blue). Click a window to see its requests by X-Request-Id.',
        }),
      );
      var grid = el('div', { class: 'tl' });
      sec.appendChild(grid);
      // Incident bands shade the whole height of the lanes.
      var shade = el('div', { class: 'tl-shade' });
      grid.appendChild(shade);
      rt.bands
        .filter(function (b) {
          return b.kind === 'incident';
        })
        .forEach(function (b) {
          shade.appendChild(place(el('div', { class: 'tl-incident-shade', title: b.label + (b.detail ? ': ' + b.detail : '') }), b.startMs, b.endMs));
        });
      function lane(label, cls) {
        var track = el('div', { class: 'tl-track ' + (cls || '') });
        grid.appendChild(el('div', { class: 'tl-row' }, el('div', { class: 'tl-name', text: label, title: label }), track));
        return track;
      }
      // Bands: one lane per owning step, phases and incidents labelled.
      var owners = [];
      rt.bands.forEach(function (b) {
        if (owners.indexOf(b.step) < 0) owners.push(b.step);
      });
      owners.forEach(function (owner) {
        var track = lane(owner, 'tl-bands');
        rt.bands
          .filter(function (b) {
            return b.step === owner;
          })
          .forEach(function (b) {
            var node = place(
              el(
                'div',
                {
                  class: 'tl-band tl-band-' + b.kind + (b.open ? ' tl-open' : ''),
                  title: b.label + ': ' + at(b.startMs) + ' to ' + at(b.endMs) + (b.detail ? ' · ' + b.detail : ''),
                },
                el('span', { text: b.label }),
              ),
              b.startMs,
              b.endMs,
            );
            node.setAttribute('data-band', b.id);
            track.appendChild(node);
          });
      });
      // The drill-down of one window: its figures, its requests by X-Request-Id, and what the proxy did then.
      var drill = el('div', { class: 'tl-drill', id: 'timeline-drilldown' });
      function disturbedIn(start, end) {
        return (rt.disturbances || []).filter(function (d) {
          return d.startMs < end && d.endMs > start;
        });
      }
      function showWindow(step, w) {
        drill.textContent = '';
        drill.appendChild(
          el('h3', { text: step + ' ' + at(w.startMs) + ' to ' + at(w.endMs) + ': ' + w.requests + ' requests, ' + w.errors + ' errors, ' + w.rate + '/s' }),
        );
        var ops = el(
          'table',
          null,
          el(
            'tr',
            null,
            el('th', { text: 'operation' }),
            el('th', { text: 'count' }),
            el('th', { text: 'errors' }),
            el('th', { text: 'p50' }),
            el('th', { text: 'p99' }),
          ),
        );
        Object.keys(w.operations)
          .sort()
          .forEach(function (op) {
            var o = w.operations[op];
            ops.appendChild(
              el(
                'tr',
                null,
                el('td', { text: op }),
                el('td', { class: 'num', text: String(o.count) }),
                el('td', { class: 'num', text: String(o.errors) }),
                el('td', { class: 'num', text: o.count ? ms(o.p50) : NO_SAMPLES }),
                el('td', { class: 'num', text: o.count ? ms(o.p99) : NO_SAMPLES }),
              ),
            );
          });
        drill.appendChild(ops);
        var ex = w.exemplars || [];
        var list = el('ul', { class: 'tl-exemplars' });
        ex.forEach(function (r) {
          list.appendChild(
            el(
              'li',
              null,
              el('code', { text: r.requestId }),
              ' ' + r.operation + ' · ' + r.outcome + (r.latencyMs == null ? '' : ' · ' + ms(r.latencyMs)) + ' · ' + at(r.at),
            ),
          );
        });
        disturbedIn(w.startMs, w.endMs).forEach(function (d) {
          var counts = Object.keys(d.counts)
            .map(function (k) {
              return d.counts[k] + ' ' + k;
            })
            .join(', ');
          d.requestIds.forEach(function (id) {
            list.appendChild(el('li', { class: 'tl-disturbed' }, el('code', { text: id }), ' disturbed by ' + d.incident + ' (' + counts + ')'));
          });
          if (d.moreRequestIds > 0) list.appendChild(el('li', { class: 'muted', text: d.moreRequestIds + ' more disturbed by ' + d.incident }));
        });
        if (list.childNodes.length === 0)
          drill.appendChild(
            el('p', { class: 'muted', text: 'No request of this window was singled out (no failures, no slow outliers, nothing the fault proxy touched).' }),
          );
        else drill.appendChild(el('div', null, el('h3', { text: "Requests (X-Request-Id, also in events.ndjson and the target's logs)" }), list));
      }
      var firstPick;
      // API lanes: a box per window, its height the request rate, red when it had errors.
      rt.api.forEach(function (l) {
        var track = lane(l.step + ' (req/s)', 'tl-series');
        var top = Math.max.apply(
          null,
          l.windows
            .map(function (w) {
              return w.rate;
            })
            .concat([1]),
        );
        l.windows.forEach(function (w) {
          var bar = place(
            el('button', {
              type: 'button',
              class: 'tl-win' + (w.errors > 0 ? ' tl-err' : ''),
              title: l.step + ' ' + at(w.startMs) + ': ' + w.rate + '/s, ' + w.errors + ' errors',
            }),
            w.startMs,
            w.endMs,
          );
          bar.style.height = Math.max(8, Math.round((w.rate / top) * 100)) + '%';
          bar.addEventListener('click', function () {
            showWindow(l.step, w);
          });
          track.appendChild(bar);
          if (
            firstPick === undefined &&
            ((w.exemplars && w.exemplars.length) ||
              disturbedIn(w.startMs, w.endMs).some(function (d) {
                return d.requestIds.length > 0;
              }))
          )
            firstPick = { step: l.step, w: w };
        });
      });
      // Participants: a tick per moment, failures and interruptions marked, labelled with their incident.
      rt.participants.forEach(function (l) {
        var track = lane(l.step + ' (participants)', 'tl-marks');
        l.marks.forEach(function (m) {
          var cls =
            m.kind === 'failed'
              ? 'tl-mark tl-mark-bad'
              : m.kind === 'freeze' || m.kind === 'video-stalled' || m.kind === 'reconnect'
                ? 'tl-mark tl-mark-warn'
                : 'tl-mark';
          var node = el('div', {
            class: cls,
            title: m.participant + ' ' + m.kind + ' ' + at(m.at) + (m.label ? ' (' + m.label + ')' : '') + (m.incident ? ' during ' + m.incident : ''),
          });
          node.style.left = pct(m.at) + '%';
          if (m.endMs != null) node.style.width = Math.max(0.3, pct(m.endMs) - pct(m.at)) + '%';
          track.appendChild(node);
        });
      });
      // Webhook delivery: a box per window, its height the deliveries, red when events went missing.
      rt.webhooks.forEach(function (l) {
        var track = lane(l.step + ' (webhooks)', 'tl-series');
        var top = Math.max.apply(
          null,
          l.windows
            .map(function (w) {
              return w.delivered;
            })
            .concat([1]),
        );
        l.windows.forEach(function (w) {
          var box = place(
            el('div', {
              class: 'tl-win tl-hook' + (w.missing > 0 ? ' tl-err' : ''),
              title:
                l.step + ' ' + at(w.startMs) + ': ' + w.delivered + ' delivered, ' + w.missing + ' missing' + (w.lagMs ? ', lag p99 ' + ms(w.lagMs.p99) : ''),
            }),
            w.startMs,
            w.endMs,
          );
          box.style.height = Math.max(8, Math.round((w.delivered / top) * 100)) + '%';
          track.appendChild(box);
        });
      });
      grid.appendChild(
        el(
          'div',
          { class: 'tl-row' },
          el('div', { class: 'tl-name' }),
          el('div', { class: 'wf-axis' }, el('span', { text: '0 s' }), el('span', { text: secs(span / 2) }), el('span', { text: secs(span) })),
        ),
      );
      // Each incident: its recovery time, per step, and what it did to the calls.
      if (rt.incidents.length > 0) {
        var it = el(
          'table',
          { class: 'tl-incidents' },
          el(
            'tr',
            null,
            el('th', { text: 'incident' }),
            el('th', { text: 'when' }),
            el('th', { text: 'recovery' }),
            el('th', { text: 'per step' }),
            el('th', { text: 'participants' }),
          ),
        );
        rt.incidents.forEach(function (i) {
          it.appendChild(
            el(
              'tr',
              null,
              el('td', { text: i.name + (i.description ? ' (' + i.description + ')' : '') }),
              el('td', { text: at(i.startMs) + ' for ' + secs(i.endMs - i.startMs) }),
              el('td', { class: 'tl-recovery', text: recoveryText(i.recovery) }),
              el('td', {
                text: i.recoveryBySteps
                  .map(function (r) {
                    return r.step + ': ' + recoveryText(r.recovery);
                  })
                  .join('; '),
              }),
              el('td', {
                text: i.participants
                  .map(function (p) {
                    return p.step + ': ' + p.present + ' in a call, ' + p.interrupted + ' interrupted, ' + p.videoBack + ' video back';
                  })
                  .join('; '),
              }),
            ),
          );
        });
        sec.appendChild(it);
      }
      sec.appendChild(drill);
      if (firstPick) showWindow(firstPick.step, firstPick.w);
      else if (rt.api.length > 0 && rt.api[0].windows.length > 0) showWindow(rt.api[0].step, rt.api[0].windows[0]);
    })();
  function recoveryText(r) {
    if (r.status === 'recovered')
      return 'recovered after ' + secs(r.recoveryMs) + ' (windows of ' + secs(r.resolutionMs) + ')' + (r.relapses ? ', ' + r.relapses + ' failed again' : '');
    if (r.status === 'not-recovered') return 'not recovered by the end of the run';
    return 'nothing to judge (no window after it)';
  }

  // ---- charts over time (from window events) ----
  // perRow: how many charts share the row (their widths must be known before drawing).
  // bands (optional): [{ from, to }] in x units, shaded behind the series (a cohort's network changes).
  function chart(container, title, xs, series, yLabel, perRow, xAxis, bands) {
    var box = el('div', { class: 'chart' }, el('h3', { text: title }));
    container.appendChild(box);
    var width = Math.max(300, Math.floor(((container.clientWidth || 1100) - 16 * (perRow - 1)) / perRow) - 8);
    var opts = {
      width: width,
      height: 240,
      scales: { x: { time: false } },
      axes: [xAxis || { label: 'seconds since start' }, { label: yLabel }],
      legend: { live: false },
      series: [{ label: (xAxis && xAxis.label) || 'seconds' }].concat(
        series.map(function (s, i) {
          var c = s.color != null ? palette[s.color % palette.length] : palette[i % palette.length];
          var o = { label: s.label, stroke: c, width: 1.5, points: { show: xs.length < 40 } };
          if (s.dash) o.dash = [6, 4];
          return o;
        }),
      ),
    };
    if (bands && bands.length > 0) {
      opts.hooks = {
        drawClear: [
          function (u) {
            var ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = 'rgba(214, 39, 40, 0.12)';
            bands.forEach(function (b) {
              var x0 = u.valToPos(b.from, 'x', true),
                x1 = u.valToPos(b.to, 'x', true);
              ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
            });
            ctx.restore();
          },
        ],
      };
    }
    // uPlot draws on a canvas inside box.
    new uPlot(
      opts,
      [xs].concat(
        series.map(function (s) {
          return s.values;
        }),
      ),
      box,
    );
  }

  var timeline = data.timeline || report.timeline || {};
  var timelineSteps = Object.keys(timeline).filter(function (k) {
    return timeline[k] && timeline[k].length > 0;
  });
  if (timelineSteps.length > 0) {
    var ts = section('Load over time');
    timelineSteps.forEach(function (name) {
      var all = timeline[name];
      // A sliver of a window at the very end (the step stopped 50 ms into a new window) gives
      // rates over almost no time; it is left out of the charts (its requests are in the tables).
      var lengths = all
        .map(function (w) {
          return w.endMs - w.startMs;
        })
        .sort(function (a, b) {
          return a - b;
        });
      var typical = lengths[Math.floor(lengths.length / 2)] || 0;
      var windows = all.filter(function (w, i) {
        return i < all.length - 1 || all.length < 2 || w.endMs - w.startMs >= typical / 4;
      });
      if (windows.length < 2) {
        ts.appendChild(el('h3', { text: name }));
        ts.appendChild(
          el('p', {
            class: 'muted',
            text:
              'One time window only (' +
              secs(all.length ? all[all.length - 1].endMs - all[0].startMs : 0) +
              '): nothing to draw over time; see the tables below. A shorter `window:` option gives finer charts.',
          }),
        );
        return;
      }
      var t0 = windows[0].startMs;
      var xs = windows.map(function (w) {
        return (w.endMs - t0) / 1000;
      });
      var ops = {};
      windows.forEach(function (w) {
        Object.keys(w.operations).forEach(function (op) {
          ops[op] = true;
        });
      });
      var opNames = Object.keys(ops).sort();
      ts.appendChild(el('h3', { text: name }));
      var row = el('div', { class: 'charts' });
      ts.appendChild(row);
      var lat = [];
      opNames.forEach(function (op, i) {
        ['p50', 'p99'].forEach(function (p) {
          lat.push({
            label: op + ' ' + p,
            color: i,
            dash: p === 'p99',
            values: windows.map(function (w) {
              var o = w.operations[op];
              return o && o.count > 0 ? o[p] : null;
            }),
          });
        });
      });
      chart(row, 'Latency per operation over time: p50 solid, p99 dashed (ms)', xs, lat, 'ms', 2);
      var thr = [
        {
          label: 'requests/s',
          values: windows.map(function (w) {
            var n = 0;
            for (var op in w.operations) n += w.operations[op].count;
            return n / Math.max(0.001, (w.endMs - w.startMs) / 1000);
          }),
        },
        {
          label: 'errors/s',
          values: windows.map(function (w) {
            var n = 0;
            for (var op in w.operations) n += w.operations[op].errors;
            return n / Math.max(0.001, (w.endMs - w.startMs) / 1000);
          }),
        },
      ];
      if (
        windows.some(function (w) {
          return w.targetRate != null;
        })
      )
        thr.push({
          label: 'target rate',
          values: windows.map(function (w) {
            return w.targetRate == null ? null : w.targetRate;
          }),
        });
      chart(row, 'Throughput and errors', xs, thr, 'per second', 2);
    });
  }

  // ---- per-operation totals of load steps (LoadSummary.operations) ----
  var loadSteps = report.steps.filter(function (s) {
    return s.summary && s.summary.operations && typeof s.summary.operations === 'object' && !Array.isArray(s.summary.operations);
  });
  if (loadSteps.length > 0) {
    var os = section('Operations');
    loadSteps.forEach(function (s) {
      var tot = s.summary.totals || {};
      os.appendChild(el('h3', { text: s.name + ' (' + (s.summary.mode || s.kind) + ')' }));
      if (typeof tot.requests === 'number')
        os.appendChild(
          el('p', {
            class: 'muted',
            text:
              tot.requests +
              ' requests · ' +
              (tot.throughput != null ? tot.throughput + ' responses/s · ' : '') +
              tot.errors +
              ' errors (' +
              (100 * (tot.errorRate || 0)).toFixed(3) +
              ' %)' +
              (tot.timeouts ? ' · ' + tot.timeouts + ' timeouts' : '') +
              (s.summary.schedule
                ? ' · achieved ' + s.summary.schedule.achievedRate + '/s of ' + s.summary.schedule.requestedRate + '/s, ' + s.summary.schedule.late + ' late'
                : ''),
          }),
        );
      var t = el(
        'table',
        null,
        el(
          'tr',
          null,
          el('th', { text: 'operation' }),
          el('th', { text: 'requests' }),
          el('th', { text: 'errors' }),
          el('th', { text: 'error rate' }),
          el('th', { text: 'p50' }),
          el('th', { text: 'p90' }),
          el('th', { text: 'p99' }),
          el('th', { text: 'p99.9' }),
          el('th', { text: 'max' }),
          el('th', { text: 'by outcome' }),
        ),
      );
      Object.keys(s.summary.operations)
        .sort()
        .forEach(function (op) {
          var o = s.summary.operations[op] || {};
          var l = o.latency || {};
          var outcomes = Object.keys(o.byOutcome || {})
            .map(function (k) {
              return k + ' ' + o.byOutcome[k];
            })
            .join(', ');
          var n = o.attempts || o.requests || 0;
          t.appendChild(
            el(
              'tr',
              null,
              el('td', null, el('code', { text: op || '(unattributed)' })),
              el('td', { class: 'num', text: String(n) }),
              el('td', { class: 'num', text: String(o.errors || 0) }),
              el('td', { class: 'num', text: n > 0 ? ((100 * (o.errors || 0)) / n).toFixed(3) + ' %' : '' }),
              l.count ? el('td', { class: 'num', text: ms(l.p50) }) : el('td', { class: 'muted', colspan: '5', text: NO_SAMPLES }),
              l.count ? el('td', { class: 'num', text: ms(l.p90) }) : null,
              l.count ? el('td', { class: 'num', text: ms(l.p99) }) : null,
              l.count ? el('td', { class: 'num', text: ms(l.p999) }) : null,
              l.count ? el('td', { class: 'num', text: ms(l.max) }) : null,
              el('td', { text: outcomes }),
            ),
          );
        });
      os.appendChild(t);
    });
  }

  // ---- webhook delivery of webhook-sink steps (WebhookSinkSummary) ----
  var sinkSteps = report.steps.filter(function (s) {
    return s.kind === 'webhook-sink' && s.summary && s.summary.events;
  });
  if (sinkSteps.length > 0) {
    var ws = section('Webhook delivery');
    sinkSteps.forEach(function (s) {
      var sum = s.summary,
        tot = sum.totals;
      ws.appendChild(el('h3', { text: s.name + ' (watching ' + (sum.watched.length ? sum.watched.join(', ') : 'no step') + ')' }));
      ws.appendChild(
        el('p', {
          class: 'muted',
          text:
            tot.expected +
            ' room events announced · ' +
            tot.deliveries +
            ' deliveries · budget ' +
            secs(sum.deliveryBudgetMs) +
            (sum.subscription.verified
              ? ' · signatures: ' + tot.signaturesChecked + ' checked, ' + tot.badSignatures + ' bad, ' + tot.staleTimestamps + ' stale'
              : ' · signatures not judged') +
            (tot.unexpected ? ' · ' + tot.unexpected + ' about other rooms' : '') +
            (tot.pending ? ' · ' + tot.pending + ' still pending at the end' : ''),
        }),
      );
      var t = el(
        'table',
        null,
        el(
          'tr',
          null,
          el('th', { text: 'event' }),
          el('th', { text: 'expected' }),
          el('th', { text: 'delivered' }),
          el('th', { text: 'missing' }),
          el('th', { text: 'late' }),
          el('th', { text: 'duplicates' }),
          el('th', { text: 'redeliveries' }),
          el('th', { text: 'p50' }),
          el('th', { text: 'p99' }),
          el('th', { text: 'max' }),
        ),
      );
      Object.keys(sum.events).forEach(function (name) {
        var e = sum.events[name],
          l = e.latency || {};
        t.appendChild(
          el(
            'tr',
            null,
            el('td', null, el('code', { text: name })),
            el('td', { class: 'num', text: String(e.expected) }),
            el('td', { class: 'num', text: String(e.delivered) }),
            el('td', { class: 'num', text: String(e.missing) }),
            el('td', { class: 'num', text: String(e.late) }),
            el('td', { class: 'num', text: String(e.duplicates) }),
            el('td', { class: 'num', text: String(e.redeliveries) }),
            l.count ? el('td', { class: 'num', text: ms(l.p50) }) : el('td', { class: 'muted', colspan: '3', text: NO_SAMPLES }),
            l.count ? el('td', { class: 'num', text: ms(l.p99) }) : null,
            l.count ? el('td', { class: 'num', text: ms(l.max) }) : null,
          ),
        );
      });
      ws.appendChild(t);
      if (sum.missingExamples.length > 0) {
        var list = el('ul');
        sum.missingExamples.forEach(function (m) {
          list.appendChild(
            el(
              'li',
              null,
              el('code', { text: m.event + ' ' + m.roomId }),
              ' announced by ' + m.step + ' at ' + m.announcedAt + (m.requestId ? ' (request ' + m.requestId + ')' : ''),
            ),
          );
        });
        ws.appendChild(el('p', { text: 'First missing events:' }));
        ws.appendChild(list);
      }
    });
  }

  // ---- latency distribution (percentile spectrum of HDR histograms) ----
  if (data.spectra.length > 0) {
    var hs = section('Latency distribution');
    hs.appendChild(el('p', { class: 'muted', text: 'Latency at each percentile, from the HDR histograms the steps recorded (x: percentile, y: ms).' }));
    var byStep = {};
    data.spectra.forEach(function (s) {
      (byStep[s.step] = byStep[s.step] || []).push(s);
    });
    Object.keys(byStep).forEach(function (step) {
      var row = el('div', { class: 'charts' });
      hs.appendChild(row);
      var list = byStep[step].slice(0, 8);
      var xs = list[0].points.map(function (p, i) {
        return i;
      });
      var pct = list[0].points.map(function (p) {
        return p[0];
      });
      chart(
        row,
        step + ': latency by percentile',
        xs,
        list.map(function (s) {
          return {
            label: s.key + ' (n=' + s.count + ')',
            values: s.points.map(function (p) {
              return p[1];
            }),
          };
        }),
        'ms',
        1,
        {
          label: 'percentile',
          splits: function () {
            return xs;
          },
          values: function (u, splits) {
            return splits.map(function (i) {
              return 'p' + pct[i];
            });
          },
        },
      );
    });
  }

  // ---- SLOs ----
  if (report.slos.length > 0) {
    var ss = section('SLOs');
    var t = el(
      'table',
      null,
      el(
        'tr',
        null,
        el('th', { text: 'step' }),
        el('th', { text: 'threshold' }),
        el('th', { text: 'status' }),
        el('th', { text: 'observed' }),
        el('th', { text: 'threshold value' }),
      ),
    );
    report.slos.forEach(function (s) {
      var fmt = function (v) {
        return v == null ? '—' : s.unit === 'ms' ? ms(v) : s.unit === 'ratio' ? (v * 100).toFixed(3) + ' %' : String(v);
      };
      t.appendChild(
        el(
          'tr',
          null,
          el('td', { text: s.step }),
          el('td', null, el('code', { text: s.expression })),
          el('td', null, badge(s.status)),
          el('td', { class: 'num', text: fmt(s.observed) }),
          el('td', { class: 'num', text: fmt(s.threshold) }),
        ),
      );
    });
    ss.appendChild(t);
  }

  // ---- contract coverage map (grids computed in src/report/coverage-view.ts) ----
  // Each cell carries its state as a class (cov-provoked, cov-failed, cov-not-provoked,
  // cov-cannot-provoke, cov-absent) and the state, observations and note as its title.
  var COVERAGE_STATES = ['provoked', 'failed', 'not-provoked', 'cannot-provoke'];
  function coverageGrid(grid, id, corner) {
    var head = el('tr', null, el('th', { text: corner }));
    grid.columns.forEach(function (c) {
      head.appendChild(el('th', { class: 'cov-col', text: c }));
    });
    var t = el('table', { class: 'coverage-grid', id: id }, head);
    grid.rows.forEach(function (row) {
      var tr = el('tr', null, el('th', { class: 'cov-op' }, el('code', { text: row.operationId })));
      row.cells.forEach(function (cell, i) {
        tr.appendChild(
          el('td', {
            class: 'cov cov-' + (cell.state || 'absent'),
            title: cell.title,
            'data-operation': row.operationId,
            'data-kind': grid.columns[i],
            text: cell.text,
          }),
        );
      });
      t.appendChild(tr);
    });
    return el('div', { class: 'cov-scroll' }, t);
  }
  var coverageViews = data.coverage || [];
  if (coverageViews.length > 0) {
    var cov = section('Coverage');
    coverageViews.forEach(function (v) {
      cov.appendChild(el('h3', { text: v.step }));
      cov.appendChild(el('p', { class: 'cov-figure', text: 'coverage: ' + v.figure + (v.minimum ? ' · ' + v.minimum : '') }));
      if (v.responses.rows.length > 0) cov.appendChild(coverageGrid(v.responses, 'coverage-responses-' + v.step, 'responses'));
      else cov.appendChild(el('p', { class: 'muted', text: 'no declared responses' }));
      if (v.inputs.rows.length > 0) cov.appendChild(coverageGrid(v.inputs, 'coverage-inputs-' + v.step, 'invalid inputs (provoked/cases)'));
      else cov.appendChild(el('p', { class: 'muted', text: 'no invalid-input cases' }));
    });
    var covLegend = el('div', { class: 'legend' });
    COVERAGE_STATES.concat(['absent']).forEach(function (state) {
      covLegend.appendChild(
        el(
          'span',
          { class: 'legend-item' },
          el('span', { class: 'swatch cov-' + state }),
          document.createTextNode(state === 'absent' ? 'not declared' : state),
        ),
      );
    });
    cov.appendChild(covLegend);
    cov.appendChild(
      el('p', {
        class: 'muted',
        text: 'Hover a cell for its state, observations and note. An input cell groups every case of that kind and takes the worst state (failed > not-provoked > provoked > cannot-provoke).',
      }),
    );
  }

  // ---- contract checks ----
  var checkSteps = report.steps.filter(function (s) {
    return s.checks.length > 0;
  });
  if (checkSteps.length > 0) {
    var cs = section('Checks');
    checkSteps.forEach(function (s) {
      cs.appendChild(el('h3', { text: s.name + ' (' + s.kind + ')' }));
      var t = el(
        'table',
        null,
        el('tr', null, el('th', { text: 'group' }), el('th', { text: 'check' }), el('th', { text: 'status' }), el('th', { text: 'detail' })),
      );
      var ordered = s.checks.slice().sort(function (a, b) {
        var r = { failed: 0, errored: 1, skipped: 2, passed: 3 };
        return r[a.status] - r[b.status];
      });
      ordered.forEach(function (c) {
        var detail = el('td');
        if (c.status === 'skipped') detail.appendChild(document.createTextNode(c.reason));
        if (c.message) detail.appendChild(el('div', { text: c.message }));
        (c.evidence || []).forEach(function (e, i) {
          var text = 'expected: ' + e.expected + (e.actual ? '\nactual:   ' + e.actual : '');
          if (e.request)
            text +=
              '\n\n' +
              e.request.method +
              ' ' +
              e.request.url +
              Object.keys(e.request.headers || {})
                .map(function (h) {
                  return '\n' + h + ': ' + e.request.headers[h];
                })
                .join('') +
              (e.request.body ? '\n\n' + e.request.body : '');
          if (e.response)
            text +=
              '\n\nHTTP ' +
              e.response.status +
              Object.keys(e.response.headers || {})
                .map(function (h) {
                  return '\n' + h + ': ' + e.response.headers[h];
                })
                .join('') +
              (e.response.body ? '\n\n' + e.response.body : '') +
              (e.response.truncated ? ' …(truncated)' : '');
          if (e.curl) text += '\n\n' + e.curl;
          var box = el(
            'details',
            { class: 'evidence' },
            el('summary', { text: 'evidence' + ((c.evidence || []).length > 1 ? ' ' + (i + 1) + '/' + c.evidence.length : '') }),
            el('pre', { text: text }),
          );
          // The first piece of evidence of a failure is open: it is what a person came to read.
          if (i === 0 && c.status === 'failed') box.open = true;
          detail.appendChild(box);
        });
        if (c.status === 'passed' && c.observations != null) detail.appendChild(document.createTextNode(c.observations + ' observations'));
        t.appendChild(el('tr', null, el('td', { text: c.group }), el('td', null, el('code', { text: c.name })), el('td', null, badge(c.status)), detail));
      });
      cs.appendChild(t);
    });
  }

  // ---- browser participants: join waterfall ----
  // summary.participants[].milestonesMs: milestone -> ms after that participant's navigation start.
  // Each bar segment runs from one milestone to the next and is coloured by the milestone that ends it.
  var MILESTONE_ORDER = [
    'navigationStart',
    'mediaRequested',
    'domContentLoaded',
    'load',
    'mediaGranted',
    'mediaDenied',
    'signalingOpen',
    'pcCreated',
    'firstSetLocalDescription',
    'joined',
    'firstSetRemoteDescription',
    'remoteTrack',
    'iceConnected',
    'pcConnected',
    'firstInboundPacket',
    'firstDecodedFrame',
    'firstRenderedFrame',
    'refused',
    'iceFailed',
    'pcFailed',
  ];
  var milestoneColor = {};
  MILESTONE_ORDER.forEach(function (m, i) {
    milestoneColor[m] = 'hsl(' + Math.round((i * 137.5) % 360) + ', 62%, 46%)';
  });
  function milestonesOf(p) {
    var src = p.milestonesMs || {};
    return Object.keys(src)
      .filter(function (k) {
        return typeof src[k] === 'number' && isFinite(src[k]) && src[k] >= 0;
      })
      .map(function (k) {
        return { name: k, at: src[k] };
      })
      .sort(function (a, b) {
        return a.at - b.at || MILESTONE_ORDER.indexOf(a.name) - MILESTONE_ORDER.indexOf(b.name);
      });
  }
  report.steps.forEach(function (s) {
    var participants = s.summary && Array.isArray(s.summary.participants) ? s.summary.participants : null;
    if (!participants || participants.length === 0) return;
    var bs = section('Participants: ' + s.name);
    var sum = s.summary;
    var lat = sum.latency || {};
    var head = [];
    if (sum.successRate && typeof sum.successRate.rate === 'number')
      head.push(
        'success ' +
          (100 * sum.successRate.rate).toFixed(1) +
          ' %' +
          (typeof sum.successRate.low === 'number'
            ? ' (95 % CI ' + (100 * sum.successRate.low).toFixed(1) + '–' + (100 * sum.successRate.high).toFixed(1) + ' %)'
            : ''),
      );
    ['join_time', 'setup_time', 'time_to_first_frame'].forEach(function (k) {
      if (lat[k]) head.push(k.replace(/_/g, ' ') + ' ' + (lat[k].count > 0 ? 'p50 ' + ms(lat[k].p50) + ' · p95 ' + ms(lat[k].p95) : NO_SAMPLES));
    });
    if (head.length > 0) bs.appendChild(el('p', { text: head.join(' · ') }));
    bs.appendChild(
      el('p', {
        class: 'muted',
        text: 'Join waterfall per participant, ms after its navigation start: each segment ends at the milestone it is coloured for; the black tick marks "joined".',
      }),
    );
    var max = 1;
    participants.forEach(function (p) {
      milestonesOf(p).forEach(function (m) {
        max = Math.max(max, m.at);
      });
    });
    var wf = el('div', { class: 'waterfall', id: 'waterfall-' + s.name });
    var used = {};
    participants.forEach(function (p) {
      var track = el('div', { class: 'wf-track' });
      var list = milestonesOf(p);
      var prev = 0;
      list.forEach(function (m) {
        used[m.name] = true;
        var seg = el('div', { class: 'wf-seg', title: m.name + ' at ' + ms(m.at) + ' (+' + ms(m.at - prev) + ')' });
        seg.style.left = (100 * prev) / max + '%';
        seg.style.width = Math.max(0.25, (100 * (m.at - prev)) / max) + '%';
        seg.style.background = milestoneColor[m.name] || '#8c959f';
        track.appendChild(seg);
        prev = m.at;
      });
      var joined = p.milestonesMs && typeof p.milestonesMs.joined === 'number' ? p.milestonesMs.joined : null;
      if (joined !== null) {
        var mark = el('div', { class: 'wf-mark', title: 'joined at ' + ms(joined) });
        mark.style.left = (100 * joined) / max + '%';
        track.appendChild(mark);
      }
      var status = p.status === 'joined' ? 'passed' : 'failed';
      wf.appendChild(
        el(
          'div',
          { class: 'wf-row' },
          el('div', { class: 'wf-name', text: String(p.name || '') + ' · ' + String(p.room || '') }),
          track,
          el(
            'div',
            { class: 'wf-label' },
            el('span', { class: 'badge ' + status, text: String(p.status || '') }),
            document.createTextNode(
              ' ' +
                (p.status === 'joined'
                  ? 'join ' + ms(p.joinTimeMs) + (p.timeToFirstFrameMs != null ? ' · frame ' + ms(p.timeToFirstFrameMs) : '')
                  : String(p.label || '')),
            ),
          ),
        ),
      );
      if (p.status !== 'joined' && p.detail) wf.appendChild(el('div', { class: 'wf-detail', text: String(p.detail) }));
    });
    var axis = el(
      'div',
      { class: 'wf-row' },
      el('div', { class: 'wf-name' }),
      el('div', { class: 'wf-axis' }, el('span', { text: '0' }), el('span', { text: ms(max / 2) }), el('span', { text: ms(max) })),
      el('div', { class: 'wf-label' }),
    );
    wf.appendChild(axis);
    bs.appendChild(wf);
    var legend = el('div', { class: 'legend' });
    MILESTONE_ORDER.forEach(function (m) {
      if (!used[m]) return;
      var sw = el('span', { class: 'swatch' });
      sw.style.background = milestoneColor[m];
      legend.appendChild(el('span', { class: 'legend-item' }, sw, document.createTextNode(m)));
    });
    bs.appendChild(legend);
    var pt = el(
      'table',
      null,
      el(
        'tr',
        null,
        el('th', { text: 'participant' }),
        el('th', { text: 'room' }),
        el('th', { text: 'status' }),
        el('th', { text: 'join' }),
        el('th', { text: 'setup' }),
        el('th', { text: 'first frame' }),
        el('th', { text: 'fps' }),
        el('th', { text: 'freezes' }),
        el('th', { text: 'detail' }),
      ),
    );
    participants.forEach(function (p) {
      var q = p.quality || {};
      pt.appendChild(
        el(
          'tr',
          null,
          el('td', { text: String(p.name || '') }),
          el('td', null, el('code', { text: String(p.room || '') })),
          el('td', null, badge(p.status === 'joined' ? 'passed' : 'failed')),
          el('td', { class: 'num', text: ms(p.joinTimeMs) }),
          el('td', { class: 'num', text: ms(p.setupTimeMs) }),
          el('td', { class: 'num', text: ms(p.timeToFirstFrameMs) }),
          el('td', { class: 'num', text: q.fps == null ? '' : String(q.fps) }),
          el('td', { class: 'num', text: q.freezeCount == null ? '' : String(q.freezeCount) }),
          el('td', { text: p.status === 'joined' ? '' : String(p.label || '') + (p.detail ? ': ' + p.detail : '') }),
        ),
      );
    });
    bs.appendChild(pt);
  });

  // Each cohort's quality per window (the step's window events), its network changes shaded as bands.
  function cohortCharts(container, t) {
    if (!t.withCohorts) return;
    var windows = (timeline[t.step] || []).filter(function (w) {
      return w.quality;
    });
    if (windows.length < 2) return;
    var step = report.steps.filter(function (s) {
      return s.name === t.step;
    })[0];
    var cohorts = (step && step.summary && step.summary.cohorts) || [];
    // Window times are offsets from their originMs (the step's start on the run's clock); changes are epoch ms.
    var origin = windows[0].originMs != null ? windows[0].originMs : step && step.summary && step.summary.metrics ? step.summary.metrics.startedAtMs : null;
    if (origin == null) return;
    var t0 = origin + windows[0].startMs;
    var end = origin + windows[windows.length - 1].endMs;
    var xs = windows.map(function (w) {
      return (w.endMs - windows[0].startMs) / 1000;
    });
    var bands = [];
    var played = [];
    cohorts.forEach(function (c) {
      (c.changes || []).forEach(function (ch) {
        if (ch.appliedAt == null) return;
        var to = ch.revertedAt == null ? end : ch.revertedAt;
        bands.push({ from: (ch.appliedAt - t0) / 1000, to: (to - t0) / 1000 });
        played.push(c.name + ': ' + ch.label + ' from ' + secs(ch.appliedAt - t0) + ' to ' + (ch.revertedAt == null ? 'the end' : secs(ch.revertedAt - t0)));
      });
    });
    var per = function (metric, scale) {
      return cohorts.map(function (c, i) {
        return {
          label: c.name,
          color: i,
          values: windows.map(function (w) {
            var q = w.quality[c.name];
            return q && q[metric] != null ? q[metric] * scale : null;
          }),
        };
      });
    };
    var row = el('div', { class: 'charts' });
    container.appendChild(row);
    var axis = { label: "seconds since the step's first window" };
    chart(row, 'Frozen share of received video per window (%)', xs, per('freeze_ratio', 100), '%', 2, axis, bands);
    chart(row, 'Packet loss per window (%)', xs, per('packet_loss', 100), '%', 2, axis, bands);
    chart(row, 'Received fps per window', xs, per('fps', 1), 'fps', 2, axis, bands);
    chart(row, 'Audio MOS estimate per window (1–5)', xs, per('mos', 1), 'MOS', 2, axis, bands);
    if (played.length > 0) container.appendChild(el('p', { class: 'muted', text: 'Shaded: network changes as played (' + played.join('; ') + ').' }));
  }

  // ---- browser cohorts side by side (tables built in src/report/cohort-table.ts) ----
  (data.cohorts || []).forEach(function (t) {
    var cs = section((t.withCohorts ? 'Cohorts: ' : 'Quality: ') + t.step);
    var head = el('tr');
    t.columns.forEach(function (c) {
      head.appendChild(el('th', { text: c }));
    });
    var table = el('table', { class: 'cohorts', id: 'cohorts-' + t.step }, head);
    t.rows.forEach(function (r) {
      var tr = el('tr', null, el('th', { text: r[0] }));
      r.slice(1).forEach(function (cell) {
        tr.appendChild(el('td', { class: 'num', text: cell }));
      });
      table.appendChild(tr);
    });
    cs.appendChild(table);
    cohortCharts(cs, t);
    cs.appendChild(
      el('p', {
        class: 'muted',
        text: 'Quality over the hold, from getStats sampled every interval and the rendered frames (docs/network-cohorts.md). Per-interval figures (fps, bitrate, loss, jitter, RTT, MOS) are over participants and sampling intervals; freeze ratio and concealment over participants; recovery over network changes that froze video.',
      }),
    );
  });

  // ---- artifacts and step figures ----
  // Only relative paths inside the run folder: a hostile path (javascript:, ../) is not linked.
  function safePath(p) {
    return typeof p === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(p) && p.indexOf('..') < 0 && p.charAt(0) !== '/';
  }
  var withArtifacts = report.steps.filter(function (s) {
    return s.artifacts.some(function (a) {
      return safePath(a.path);
    });
  });
  if (withArtifacts.length > 0) {
    var as = section('Artifacts');
    withArtifacts.forEach(function (s) {
      s.artifacts.forEach(function (a) {
        if (!safePath(a.path)) return;
        var item = el(
          'div',
          { class: 'artifact' },
          el('strong', { text: s.name + ': ' }),
          document.createTextNode(a.description + ' '),
          el('a', { href: a.path, text: a.path }),
        );
        if (a.kind === 'screenshot') item.appendChild(el('img', { src: a.path, alt: a.description }));
        as.appendChild(item);
      });
    });
  }
  var figureSteps = report.steps.filter(function (s) {
    return (
      s.summary &&
      Object.keys(s.summary).some(function (k) {
        var v = s.summary[k];
        return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
      })
    );
  });
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
