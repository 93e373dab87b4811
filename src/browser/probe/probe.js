/*
 * roomgate's generic participant probe.
 *
 * Plain JavaScript on purpose: it is read as a string and injected with
 * page.evaluateOnNewDocument(source), so it runs before any page script.
 * (A TypeScript function passed to puppeteer would be serialized after
 * tsx/esbuild added `__name(...)` helpers that do not exist in the page.)
 *
 * It knows nothing about the page it runs on. It wraps RTCPeerConnection,
 * getUserMedia and WebSocket, watches <video> elements, and stamps milestones
 * on one clock: epoch milliseconds, performance.timeOrigin + performance.now().
 * The adapter's `joined` / `refused` predicates come in window.__roomgateConfig
 * (set by a script injected just before this one) and are evaluated on every
 * DOM mutation, so the `joined` stamp is as precise as the page's own update.
 * The harness reads everything back with page.evaluate('window.__roomgate...').
 */
(function roomgateProbe() {
  'use strict';
  if (window.__roomgate) return;
  var config = window.__roomgateConfig || {};
  var perf = window.performance;
  function now() {
    return perf.timeOrigin + perf.now();
  }

  var milestones = { navigationStart: perf.timeOrigin };
  function mark(name, at) {
    if (milestones[name] === undefined) milestones[name] = at === undefined ? now() : at;
  }

  var state = {
    media: { requests: 0, granted: 0, denied: 0, lastError: null },
    sockets: { created: 0, opened: 0, closed: 0, open: 0, lastClose: null, lastCloseAt: null },
    pcs: [],
    pcFailures: 0,
    outcome: null,
    remoteFramesRendered: 0,
    decodedAtFirstRender: null,
    adjusted: [],
    errors: [],
  };
  var localTracks = new WeakSet();

  // --- page lifecycle -------------------------------------------------------
  document.addEventListener('DOMContentLoaded', function () {
    mark('domContentLoaded');
    checkOutcome();
  });
  window.addEventListener('load', function () {
    mark('load');
  });
  window.addEventListener('error', function (event) {
    if (state.errors.length < 20) state.errors.push(String(event.message || event.type));
  });

  // --- getUserMedia ---------------------------------------------------------
  var mediaDevices = navigator.mediaDevices;
  if (mediaDevices && typeof mediaDevices.getUserMedia === 'function') {
    var originalGetUserMedia = mediaDevices.getUserMedia;
    mediaDevices.getUserMedia = function () {
      state.media.requests++;
      mark('mediaRequested');
      return originalGetUserMedia.apply(this, arguments).then(
        function (stream) {
          state.media.granted++;
          mark('mediaGranted');
          stream.getTracks().forEach(function (t) {
            localTracks.add(t);
          });
          return stream;
        },
        function (error) {
          state.media.denied++;
          state.media.lastError = (error && error.name) || String(error);
          mark('mediaDenied');
          throw error;
        },
      );
    };
  }

  // --- WebSocket (most pages signal over one) ---------------------------------
  if (typeof window.WebSocket === 'function') {
    window.WebSocket = new Proxy(window.WebSocket, {
      construct: function (target, args, newTarget) {
        var socket = Reflect.construct(target, args, newTarget);
        var opened = false;
        state.sockets.created++;
        socket.addEventListener('open', function () {
          opened = true;
          state.sockets.opened++;
          state.sockets.open++;
          mark('signalingOpen');
        });
        socket.addEventListener('close', function (event) {
          state.sockets.closed++;
          if (opened) state.sockets.open--;
          state.sockets.lastClose = { code: event.code, reason: event.reason, wasOpen: opened };
          state.sockets.lastCloseAt = now();
        });
        return socket;
      },
    });
  }

  // --- RTCPeerConnection ----------------------------------------------------
  var fastPoll = null;
  function trackPeerConnection(pc) {
    state.pcs.push(pc);
    mark('pcCreated');
    pc.addEventListener('connectionstatechange', function () {
      if (pc.connectionState === 'connected') {
        // The raw time this listener ran, kept as observed; `pcConnected` may be bounded below (see snapshot()).
        // One reading for both: two now() calls can straddle a tick of the page's coarsened
        // clock and put `pcConnected` after the observation it is derived from.
        var connectedAt = now();
        mark('pcConnectedObserved', connectedAt);
        mark('pcConnected', connectedAt);
      }
      if (pc.connectionState === 'failed') {
        state.pcFailures++;
        mark('pcFailed');
      }
    });
    pc.addEventListener('iceconnectionstatechange', function () {
      var s = pc.iceConnectionState;
      if (s === 'connected' || s === 'completed') mark('iceConnected');
      if (s === 'failed') mark('iceFailed');
    });
    pc.addEventListener('track', function () {
      mark('remoteTrack');
    });
    startFastPoll();
  }
  ['RTCPeerConnection', 'webkitRTCPeerConnection'].forEach(function (key) {
    var Original = window[key];
    if (typeof Original !== 'function') return;
    // A Proxy keeps the prototype, statics and instanceof exactly as the page expects.
    window[key] = new Proxy(Original, {
      construct: function (target, args, newTarget) {
        var pc = Reflect.construct(target, args, newTarget);
        trackPeerConnection(pc);
        return pc;
      },
    });
  });
  if (window.RTCPeerConnection) {
    var proto = window.RTCPeerConnection.prototype;
    ['setLocalDescription', 'setRemoteDescription'].forEach(function (method) {
      var original = proto[method];
      if (typeof original !== 'function') return;
      var stamp = method === 'setLocalDescription' ? 'firstSetLocalDescription' : 'firstSetRemoteDescription';
      proto[method] = function () {
        mark(stamp);
        return original.apply(this, arguments);
      };
    });
  }

  function isRemoteTrack(track) {
    for (var i = 0; i < state.pcs.length; i++) {
      var receivers = state.pcs[i].getReceivers ? state.pcs[i].getReceivers() : [];
      for (var j = 0; j < receivers.length; j++) if (receivers[j].track === track) return true;
    }
    // A clone of a received track has a new identity: count any non-local track
    // once peer connections exist.
    return !localTracks.has(track) && state.pcs.length > 0;
  }
  function showsRemoteVideo(video) {
    var stream = video.srcObject;
    if (!stream || typeof stream.getVideoTracks !== 'function') return false;
    var tracks = stream.getVideoTracks();
    for (var i = 0; i < tracks.length; i++) if (isRemoteTrack(tracks[i])) return true;
    return false;
  }

  // --- stats ----------------------------------------------------------------
  function readStats(pc) {
    return pc.getStats().then(function (report) {
      var byId = {};
      report.forEach(function (s) {
        byId[s.id] = s;
      });
      var out = { id: state.pcs.indexOf(pc), connectionState: pc.connectionState, inbound: [], outbound: [], rttMs: null, candidateType: null };
      var pair = null;
      report.forEach(function (s) {
        if (s.type === 'inbound-rtp') {
          out.inbound.push({
            id: String(s.id),
            kind: s.kind,
            bytesReceived: s.bytesReceived || 0,
            concealedSamples: s.concealedSamples === undefined ? null : s.concealedSamples,
            totalSamplesReceived: s.totalSamplesReceived === undefined ? null : s.totalSamplesReceived,
            packetsReceived: s.packetsReceived || 0,
            packetsLost: s.packetsLost || 0,
            jitterMs: s.jitter === undefined ? null : s.jitter * 1000,
            framesDecoded: s.framesDecoded === undefined ? null : s.framesDecoded,
            framesDropped: s.framesDropped === undefined ? null : s.framesDropped,
            framesPerSecond: s.framesPerSecond === undefined ? null : s.framesPerSecond,
            freezeCount: s.freezeCount === undefined ? null : s.freezeCount,
            totalFreezesDurationMs: s.totalFreezesDuration === undefined ? null : s.totalFreezesDuration * 1000,
            frameWidth: s.frameWidth === undefined ? null : s.frameWidth,
            frameHeight: s.frameHeight === undefined ? null : s.frameHeight,
          });
        } else if (s.type === 'outbound-rtp') {
          out.outbound.push({
            kind: s.kind,
            framesPerSecond: s.framesPerSecond === undefined ? null : s.framesPerSecond,
            frameWidth: s.frameWidth === undefined ? null : s.frameWidth,
            qualityLimitationReason: s.qualityLimitationReason === undefined ? null : s.qualityLimitationReason,
          });
        } else if (s.type === 'transport' && s.selectedCandidatePairId) {
          pair = byId[s.selectedCandidatePairId] || pair;
        } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && !pair) {
          pair = s;
        }
      });
      if (pair) {
        if (pair.currentRoundTripTime !== undefined) out.rttMs = pair.currentRoundTripTime * 1000;
        var local = byId[pair.localCandidateId];
        if (local) out.candidateType = local.candidateType || null;
      }
      return out;
    });
  }

  // Chromium's stats counters can trail the frame the page already rendered;
  // a frame that was rendered was received and decoded, so a stamp found by a
  // later poll is moved back to the render time.
  function noteProgress(stats, at) {
    var bound = milestones.firstRenderedFrame !== undefined && milestones.firstRenderedFrame < at ? milestones.firstRenderedFrame : at;
    for (var i = 0; i < stats.inbound.length; i++) {
      var s = stats.inbound[i];
      if (s.packetsReceived > 0) mark('firstInboundPacket', bound);
      if (s.kind === 'video' && s.framesDecoded > 0) mark('firstDecodedFrame', bound);
    }
  }

  // Poll every 100 ms until the first frame is decoded: getStats is the only
  // generic view of packets and decoding, and the interval bounds the error of
  // those two stamps (reported as statsResolutionMs).
  var FAST_POLL_MS = config.statsPollMs || 100;
  function startFastPoll() {
    if (fastPoll !== null || milestones.firstDecodedFrame !== undefined) return;
    fastPoll = setInterval(function () {
      if (milestones.firstDecodedFrame !== undefined && milestones.firstInboundPacket !== undefined) {
        clearInterval(fastPoll);
        return;
      }
      var at = now();
      state.pcs.forEach(function (pc) {
        if (pc.connectionState === 'closed') return;
        readStats(pc).then(
          function (stats) {
            noteProgress(stats, at);
          },
          function () {},
        );
      });
    }, FAST_POLL_MS);
  }

  // --- <video> elements -------------------------------------------------------
  // Freezes of rendered remote video, by the W3C webrtc-stats definition
  // (freezeCount): a frame that comes more than max(3 × the mean interval of
  // the last 30 frames, that mean + 150 ms) after the previous one ends a
  // freeze that began at the previous frame. Measured here on rendered frames
  // (what the user sees), with both ends stamped, so the harness can place
  // each freeze on the timeline and tell when video came back after a
  // network change; one still open when the harness samples is reported as
  // `open`.
  var FREEZE_HISTORY = 30;
  var FREEZE_MIN_FRAMES = 5;
  var MAX_FREEZES = 200;
  var videos = [];
  function freezeThreshold(record) {
    var n = record.intervals.length;
    if (n < FREEZE_MIN_FRAMES) return null;
    var sum = 0;
    for (var i = 0; i < n; i++) sum += record.intervals[i];
    var mean = sum / n;
    return Math.max(3 * mean, mean + 150);
  }
  function noteRemoteFrame(record) {
    var at = now();
    if (record.lastFrameAt !== null) {
      var interval = at - record.lastFrameAt;
      var threshold = freezeThreshold(record);
      if (threshold !== null && interval > threshold) {
        if (record.freezes.length < MAX_FREEZES) record.freezes.push({ from: record.lastFrameAt, to: at });
        else record.droppedFreezes++;
      } else {
        // A freeze's own interval would inflate the mean the next freeze is measured against.
        record.intervals.push(interval);
        if (record.intervals.length > FREEZE_HISTORY) record.intervals.shift();
      }
    }
    record.lastFrameAt = at;
    record.frames++;
  }
  function videoReport(at) {
    var out = [];
    for (var i = 0; i < videos.length; i++) {
      var r = videos[i];
      if (r.frames === 0) continue;
      var active = r.element.isConnected && showsRemoteVideo(r.element);
      var threshold = freezeThreshold(r);
      var open = active && threshold !== null && at - r.lastFrameAt > threshold ? { from: r.lastFrameAt } : null;
      out.push({
        index: r.index,
        active: active,
        frames: r.frames,
        lastFrameAt: r.lastFrameAt,
        freezes: r.freezes.slice(),
        open: open,
        droppedFreezes: r.droppedFreezes,
      });
    }
    return out;
  }

  var watched = new WeakSet();
  function watchVideo(video) {
    if (watched.has(video) || typeof video.requestVideoFrameCallback !== 'function') return;
    watched.add(video);
    var record = { index: videos.length, element: video, lastFrameAt: null, intervals: [], frames: 0, freezes: [], droppedFreezes: 0 };
    videos.push(record);
    var onFrame = function (_now, meta) {
      if (meta && meta.width > 0 && showsRemoteVideo(video)) {
        noteRemoteFrame(record);
        state.remoteFramesRendered++;
        if (milestones.firstRenderedFrame === undefined) {
          mark('firstRenderedFrame');
          // Cross-check against decoding: a rendered frame must have been decoded.
          // The fast poll may not have seen it yet, so look now.
          Promise.all(
            state.pcs.map(function (pc) {
              return readStats(pc).catch(function () {
                return null;
              });
            }),
          ).then(function (all) {
            var decoded = 0;
            var packets = 0;
            all.forEach(function (stats) {
              if (!stats) return;
              stats.inbound.forEach(function (s) {
                packets += s.packetsReceived;
                if (s.kind === 'video' && s.framesDecoded) decoded += s.framesDecoded;
              });
            });
            if (packets > 0 && !(milestones.firstInboundPacket <= milestones.firstRenderedFrame)) {
              milestones.firstInboundPacket = milestones.firstRenderedFrame;
            }
            state.decodedAtFirstRender = decoded;
            // Decoding happened no later than the render we just saw; a poll that
            // noticed it afterwards stamped it too late.
            if (decoded > 0 && !(milestones.firstDecodedFrame <= milestones.firstRenderedFrame)) {
              milestones.firstDecodedFrame = milestones.firstRenderedFrame;
            }
          });
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }
  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.tagName === 'VIDEO') watchVideo(root);
    var videos = root.querySelectorAll('video');
    for (var i = 0; i < videos.length; i++) watchVideo(videos[i]);
  }
  // Also catch videos that never enter the light DOM (shadow roots, detached players).
  var srcObjectDescriptor = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  if (srcObjectDescriptor && srcObjectDescriptor.set) {
    Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
      configurable: true,
      enumerable: srcObjectDescriptor.enumerable,
      get: srcObjectDescriptor.get,
      set: function (value) {
        srcObjectDescriptor.set.call(this, value);
        if (this.tagName === 'VIDEO') watchVideo(this);
      },
    });
  }

  // --- adapter predicates -----------------------------------------------------
  function compile(predicate) {
    if (!predicate) return null;
    if (typeof predicate.selector === 'string') {
      var selector = predicate.selector;
      return function () {
        return document.querySelector(selector) !== null;
      };
    }
    if (typeof predicate.expression === 'string') {
      var fn = null;
      try {
        fn = new Function('return (' + predicate.expression + ');');
      } catch (error) {
        state.errors.push('adapter expression does not compile: ' + error.message);
        return null;
      }
      return function () {
        try {
          return Boolean(fn());
        } catch (_error) {
          return false;
        }
      };
    }
    return null;
  }
  var joinedTest = compile(config.joined);
  var refusedTests = (config.refused || []).map(function (r) {
    return { test: compile(r), label: r.label || 'navigation_error' };
  });
  function checkOutcome() {
    if (state.outcome !== null || !document.documentElement) return;
    for (var i = 0; i < refusedTests.length; i++) {
      if (refusedTests[i].test && refusedTests[i].test()) {
        state.outcome = { kind: 'refused', label: refusedTests[i].label, at: now() };
        mark('refused', state.outcome.at);
        return;
      }
    }
    if (joinedTest && joinedTest()) {
      state.outcome = { kind: 'joined', at: now() };
      mark('joined', state.outcome.at);
    }
  }

  var scheduled = false;
  var observer = new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var added = records[i].addedNodes;
      for (var j = 0; j < added.length; j++) scan(added[j]);
    }
    // Coalesce bursts of mutations into one predicate check per microtask.
    if (!scheduled) {
      scheduled = true;
      Promise.resolve().then(function () {
        scheduled = false;
        checkOutcome();
      });
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  // Expressions can depend on state outside the DOM: check them on a timer too,
  // until the outcome is known (it never changes afterwards).
  var outcomeTimer = setInterval(function () {
    checkOutcome();
    if (state.outcome !== null) clearInterval(outcomeTimer);
  }, 50);

  // --- what the harness reads ---------------------------------------------------
  window.__roomgate = {
    version: 1,
    now: now,
    /** Everything the harness classifies a participant by; JSON-serializable. */
    snapshot: function () {
      checkOutcome();
      // Media cannot flow before the connection is up, but on a busy main thread
      // the connectionstatechange task can run after the first frame was already
      // presented. Bound the connected stamp by the earliest media evidence; the
      // raw stamp stays in `pcConnectedObserved` and the difference is reported
      // as `connectedAdjustmentMs`, so the adjustment is visible and testable.
      var evidence = [milestones.firstInboundPacket, milestones.firstDecodedFrame, milestones.firstRenderedFrame].filter(function (v) {
        return v !== undefined;
      });
      if (evidence.length > 0) {
        var earliest = Math.min.apply(null, evidence);
        if (!(milestones.pcConnected <= earliest)) {
          milestones.pcConnected = earliest;
          if (state.adjusted.indexOf('pcConnected') < 0) state.adjusted.push('pcConnected');
        }
      }
      return {
        now: now(),
        milestones: Object.assign({}, milestones),
        outcome: state.outcome,
        media: Object.assign({}, state.media),
        sockets: Object.assign({}, state.sockets),
        pcs: state.pcs.map(function (pc) {
          return { connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState };
        }),
        pcFailures: state.pcFailures,
        remoteFramesRendered: state.remoteFramesRendered,
        decodedAtFirstRender: state.decodedAtFirstRender,
        statsResolutionMs: FAST_POLL_MS,
        adjustedMilestones: state.adjusted.slice(),
        connectedAdjustmentMs:
          milestones.pcConnectedObserved !== undefined && milestones.pcConnected !== undefined ? milestones.pcConnectedObserved - milestones.pcConnected : null,
        errors: state.errors.slice(),
      };
    },
    /** One getStats() sample over every live peer connection. */
    sample: function () {
      var at = now();
      var live = state.pcs.filter(function (pc) {
        return pc.connectionState !== 'closed';
      });
      return Promise.all(
        live.map(function (pc) {
          return readStats(pc).catch(function () {
            return null;
          });
        }),
      ).then(function (all) {
        var pcs = all.filter(Boolean);
        pcs.forEach(function (stats) {
          noteProgress(stats, at);
        });
        return { at: at, remoteFramesRendered: state.remoteFramesRendered, pcs: pcs, videos: videoReport(now()) };
      });
    },
  };
  checkOutcome();
})();
