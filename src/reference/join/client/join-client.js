// The reference join page's script, inlined into the page by join-page.ts.
// Plain browser JavaScript (no build step, no external resources): camera and
// microphone with getUserMedia, the room's signaling WebSocket, and a full
// mesh of standard RTCPeerConnections, one <video> per remote participant.
// State is published on <main id="join" data-state data-reason> for people
// (the visible text) and for harnesses (the attributes).
(() => {
  'use strict';
  const config = JSON.parse(document.getElementById('join-config').textContent);
  const main = document.getElementById('join');
  const statusLine = document.getElementById('status');
  const peerList = document.getElementById('peers');
  const leaveButton = document.getElementById('leave');
  const params = new URLSearchParams(location.search);
  // Without ?name= the server picks one (the join token's participant name, else a random guest name).
  const name = (params.get('name') || '').trim() || undefined;
  const token = params.get('token') || undefined;

  /** participant id → { pc, figure, video, chain } */
  const peers = new Map();
  let localStream;
  let socket;
  let me;
  let finished = false;

  function setState(state, reason, text) {
    main.dataset.state = state;
    if (reason) main.dataset.reason = reason;
    else delete main.dataset.reason;
    statusLine.textContent = text;
  }

  function updateCount() {
    main.dataset.peers = String(peers.size);
    if (me && !finished) setState('joined', undefined, 'In the room as ' + me.name + ' — ' + peers.size + ' other' + (peers.size === 1 ? '' : 's') + ' here.');
  }

  function sendMessage(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function finish(state, reason, text) {
    finished = true;
    for (const id of [...peers.keys()]) removePeer(id);
    if (localStream) for (const track of localStream.getTracks()) track.stop();
    leaveButton.hidden = true;
    setState(state, reason, text);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'left');
  }

  function addPeer(peer, initiator) {
    const existing = peers.get(peer.participant_id);
    if (existing) return existing;
    const pc = new RTCPeerConnection({ iceServers: [] });
    const figure = document.createElement('figure');
    figure.dataset.participantId = peer.participant_id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    const caption = document.createElement('figcaption');
    caption.textContent = peer.name || peer.participant_id;
    figure.append(video, caption);
    peerList.append(figure);
    const entry = { pc, figure, video, chain: Promise.resolve() };
    peers.set(peer.participant_id, entry);
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
    pc.onicecandidate = (event) =>
      sendMessage({ type: 'signal', to: peer.participant_id, data: { candidate: event.candidate ? event.candidate.toJSON() : null } });
    pc.ontrack = (event) => {
      if (event.track.kind !== 'video') return;
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
      video.play().catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      figure.dataset.connection = pc.connectionState;
    };
    if (initiator) {
      run(entry, async () => {
        await pc.setLocalDescription();
        sendMessage({ type: 'signal', to: peer.participant_id, data: { description: pc.localDescription.toJSON() } });
      });
    }
    updateCount();
    return entry;
  }

  function removePeer(id) {
    const entry = peers.get(id);
    if (!entry) return;
    peers.delete(id);
    entry.pc.close();
    entry.video.srcObject = null;
    entry.figure.remove();
    updateCount();
  }

  /** Signaling steps of one peer run in arrival order (an ICE candidate must not overtake its offer). */
  function run(entry, step) {
    entry.chain = entry.chain.then(step).catch((error) => console.warn('signaling step failed', error));
  }

  function onSignal(from, data) {
    const entry = peers.get(from) || addPeer({ participant_id: from }, false);
    const { pc } = entry;
    run(entry, async () => {
      if (data.description) {
        await pc.setRemoteDescription(data.description);
        if (data.description.type === 'offer') {
          await pc.setLocalDescription();
          sendMessage({ type: 'signal', to: from, data: { description: pc.localDescription.toJSON() } });
        }
      } else if (data.candidate) {
        await pc.addIceCandidate(data.candidate);
      }
    });
  }

  function onMessage(message) {
    switch (message.type) {
      case 'joined':
        me = { id: message.participant_id, name: message.name };
        main.dataset.participantId = message.participant_id;
        leaveButton.hidden = false;
        updateCount();
        // The newcomer offers to everyone already here.
        for (const peer of message.peers) addPeer(peer, true);
        break;
      case 'peer_joined':
        addPeer(message.peer, false);
        break;
      case 'peer_left':
        removePeer(message.participant_id);
        break;
      case 'signal':
        onSignal(message.from, message.data);
        break;
      case 'refused':
        finish('refused', message.reason, message.message);
        break;
      case 'room_closed':
        finish('left', 'room_closed', 'The room was closed. You are no longer in it.');
        break;
      case 'error':
        finish('error', 'protocol_error', 'The signaling server rejected a message: ' + message.message);
        break;
    }
  }

  function connect(attempt) {
    if (finished) return;
    setState('joining', undefined, attempt === 0 ? 'Connecting to the room…' : 'Still connecting to the room… (attempt ' + (attempt + 1) + ')');
    const url = new URL(config.signalPath, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify({ type: 'join', name, token }));
    };
    ws.onmessage = (event) => {
      try {
        onMessage(JSON.parse(event.data));
      } catch (error) {
        console.warn('bad signaling message', error);
      }
    };
    ws.onclose = () => {
      if (finished) return;
      // Signaling not reachable yet: keep trying (the page stays "joining").
      if (!opened) {
        setTimeout(() => connect(attempt + 1), Math.min(5000, 500 * 2 ** attempt));
        return;
      }
      finish('error', 'signaling_closed', 'The connection to the room was lost.');
    };
  }

  leaveButton.addEventListener('click', () => {
    sendMessage({ type: 'leave' });
    finish('left', 'left', 'You left the room.');
  });
  // Closing or leaving the tab leaves the room: the socket closes with the page.
  addEventListener('pagehide', () => {
    if (socket) socket.close(1000, 'page closed');
  });

  async function start() {
    setState('joining', undefined, 'Starting camera and microphone…');
    try {
      localStream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } },
        audio: true,
      });
    } catch (error) {
      finish('error', 'media_denied', 'Camera or microphone unavailable (' + (error && error.name) + '). Allow access and reload.');
      return;
    }
    main.dataset.localVideo = localStream.getVideoTracks().length > 0 ? 'on' : 'off';
    connect(0);
  }

  start();
})();
