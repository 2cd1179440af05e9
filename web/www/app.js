// The gateway's own page: calls, incoming calls, the echo test, the set-up
// timeline and the security panel, over rtc2sip.js.
import { Rtc2Sip, DTMF_DIGITS, groupFingerprint, sdpFingerprint } from './rtc2sip.js';
import { Ringer, LevelMeter, sipStatusSentence, errorSentence, statsAudioLevel } from './ui-audio.js';

const $ = id => document.getElementById(id);
const status = text => { $('status').textContent = text; };
const detail = text => { $('detail').textContent = text || ''; };
const gw = new Rtc2Sip();
let call = null;          // the current call (outgoing or accepted)
let ringingCall = null;   // an incoming call not yet answered
let localStream = null;
let audioCtx = null;
let ringer = null;
let micMeter = null;
let farMeter = null;
let timerStart = null;
let timerInterval = null;
let callStartedAt = null;
let wsMs = null;

// State for people debugging and for the interop tests.
window.rtc2sip = {
  gw,
  get call() { return call; },
  get incoming() { return ringingCall; },
  get ringing() { return !!ringer?.playing; },
  get audioState() { return audioCtx?.state ?? null; },
  events: [],
};
gw.on('message', m => window.rtc2sip.events.push(m));

// WebAudio needs a user gesture in most browsers: every click creates or
// resumes the context, so the ring tone can play later.
function audio() {
  if (!audioCtx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    audioCtx = new AC();
    ringer = new Ringer(audioCtx);
  }
  if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
  return audioCtx;
}
document.addEventListener('click', () => audio(), { capture: true });
document.addEventListener('keydown', () => audio(), { capture: true });

// ---------------------------------------------------------------- connection

async function ensureConnected() {
  if (gw.connected) return gw.welcome;
  $('conn-status').textContent = 'Connecting to the gateway…';
  const t = performance.now();
  try {
    const w = await gw.connect($('token').value || undefined);
    wsMs = performance.now() - t;
    wasConnected = true;
    $('conn-status').textContent = `Connected to the gateway (protocol version ${w.version}).`;
    $('fp-gateway').textContent = w.fingerprint;
    $('fp-gateway-grouped').textContent = groupFingerprint(w.fingerprint);
    $('connect').disabled = true;
    $('disconnect').disabled = false;
    return w;
  } catch (e) {
    const s = errorSentence(e, 'connect');
    $('conn-status').textContent = s;
    throw new Error(s);
  }
}

let wasConnected = false;
gw.on('close', () => {
  // A refused hello closes the socket too: keep its sentence on screen.
  if (wasConnected) $('conn-status').textContent = 'Not connected to the gateway.';
  wasConnected = false;
  $('reg-status').textContent = 'Not registered.';
  $('connect').disabled = false;
  $('disconnect').disabled = true;
  $('unregister').disabled = true;
});
gw.on('error', e => { detail(errorSentence(e)); });

$('connect-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  try { await ensureConnected(); } catch { /* shown in conn-status */ }
});
$('disconnect').addEventListener('click', () => gw.close());

// -------------------------------------------------------------- registration

$('register-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const user = $('reg-user').value.trim();
  if (!user) { $('reg-status').textContent = 'Type a user name to register.'; $('reg-user').focus(); return; }
  const form = { user, uri: $('reg-uri').value.trim(), auth_user: $('reg-auth').value.trim(),
    password: $('reg-password').value, proxy: $('reg-proxy').value.trim() };
  if (form.password && !form.uri) {
    $('reg-status').textContent = 'A SIP password needs a SIP address to register upstream.';
    $('reg-uri').focus();
    return;
  }
  $('register').disabled = true;
  try {
    await ensureConnected();
    $('reg-status').textContent = `Registering ${user}…`;
    await gw.register(form);
  } catch (e) {
    $('reg-status').textContent = `Registration failed: ${errorSentence(e, 'register')}`;
  } finally {
    $('register').disabled = false;
  }
});
$('unregister').addEventListener('click', async () => {
  const user = $('reg-user').value.trim() || [...gw.registrations.keys()][0];
  try { await gw.unregister(user); } catch (e) { $('reg-status').textContent = errorSentence(e, 'unregister'); }
});
gw.on('registered', m => {
  $('reg-status').textContent = m.uri
    ? `Registered as ${m.user}, and as ${m.uri} with its SIP provider. Calls to it ring here.`
    : `Registered as ${m.user}. Calls to ${m.user} at the gateway ring here.`;
  $('unregister').disabled = false;
});
gw.on('unregistered', m => {
  $('reg-status').textContent = `${m.user} is no longer registered.`;
  $('unregister').disabled = gw.registrations.size === 0;
});

// ------------------------------------------------------------------ calls

function resetCallUi() {
  for (const li of $('timeline').children) li.querySelector('.ms').textContent = '–';
  for (const id of ['sec-browser', 'sec-sip', 'sec-e2e', 'fp-browser', 'fp-browser-grouped', 'fp-phone',
    'fp-phone-grouped']) $(id).textContent = '–';
  $('dtmf-sent').textContent = '';
  $('dtmf-received').textContent = '';
  $('timer').textContent = '0:00';
  detail('');
}

function setStep(step, text) {
  const li = $('timeline').querySelector(`[data-step="${step}"] .ms`);
  if (li && li.textContent === '–') li.textContent = text;
}

function inCall(on) {
  $('hangup').disabled = !on;
  $('mute').disabled = !on;
  $('echo').disabled = on;
  $('call').disabled = on;
  if (!on) { $('mute').setAttribute('aria-pressed', 'false'); $('mute').textContent = 'Mute'; }
}

function startTimer() {
  if (timerInterval) return;
  timerStart = performance.now();
  const tick = () => {
    const s = Math.floor((performance.now() - timerStart) / 1000);
    $('timer').textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  tick();
  timerInterval = setInterval(tick, 500);
}

function stopMedia() {
  clearInterval(timerInterval);
  timerInterval = null;
  micMeter?.stop(); micMeter = null;
  farMeter?.stop(); farMeter = null;
  $('mic-level').value = 0;
  $('far-level').value = 0;
  localStream?.getTracks().forEach(t => t.stop());
  localStream = null;
}

async function microphone() {
  status('Asking for the microphone…');
  try {
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    throw new Error(e.name === 'NotAllowedError'
      ? 'the browser did not allow the microphone; allow it in the address bar and try again'
      : e.name === 'NotFoundError' ? 'no microphone was found' : `the microphone could not be opened (${e.message})`);
  }
  const ctx = audio();
  if (ctx) micMeter = new LevelMeter(ctx, localStream, v => { $('mic-level').value = v; },
    () => statsAudioLevel(call?.pc, 'media-source'));
  return localStream;
}

function farLevelMeter(ctx, c, remote) {
  return new LevelMeter(ctx, remote, v => { $('far-level').value = v; }, () => statsAudioLevel(c.pc, 'inbound-rtp'));
}

// Wires the events of C (outgoing or accepted incoming) to the page.
function attach(c, label) {
  call = c;
  c.on('timeline', (what, ms) => {
    const steps = { ice: 'ice', dtls: 'dtls', ringing: 'ringing', answered: 'answered', media: 'media' };
    if (steps[what]) setStep(steps[what], `${ms} ms`);
  });
  for (const k of ['ice', 'dtls', 'ringing', 'answered', 'media'])
    if (k in c.timeline) setStep(k, `${c.timeline[k]} ms`);
  c.on('track', (t, remote) => {
    $('remote').srcObject = remote;
    const ctx = audio();
    if (ctx && !farMeter) farMeter = farLevelMeter(ctx, c, remote);
  });
  if (c.remoteStream.getTracks().length) {
    $('remote').srcObject = c.remoteStream;
    const ctx = audio();
    if (ctx && !farMeter) farMeter = farLevelMeter(ctx, c, c.remoteStream);
  }
  c.on('progress', m => {
    if (m.status === 180) status(`Ringing ${label}…`);
    else if (m.status === 183) status(`Connecting to ${label}: the other side sends early audio…`);
    else status(`Calling ${label}: ${m.status} ${m.reason ?? ''}`.trim());
  });
  c.on('answer', () => { if (c.to !== 'echo') status(`Answered by ${label}; setting up the media…`); });
  c.on('connected', () => {
    status(c.to === 'echo' ? 'Connected: you should hear yourself.' : `Connected to ${label}.`);
    startTimer();
  });
  c.on('security', showSecurity);
  c.on('dtmf', d => { $('dtmf-received').textContent += d; });
  c.on('error', e => detail(`Error: ${errorSentence(e, 'call')}`));
  c.on('hangup', ev => {
    status(`Call ended: ${ev.reason}`);
    // A refused call keeps the error sentence shown by 'error'.
    if (!ev.error) detail(ev.local ? '' : sipStatusSentence(ev.sip_status));
    stopMedia();
    if (call === c) call = null;
    inCall(false);
  });
  inCall(true);
}

async function startCall(to, label) {
  callStartedAt = performance.now();
  resetCallUi();
  inCall(true);
  $('hangup').disabled = true;
  try {
    if (!gw.connected) {
      status('Connecting to the gateway…');
      await ensureConnected();
      setStep('websocket', `${Math.round(performance.now() - callStartedAt)} ms`);
    } else {
      setStep('websocket', 'already open');
    }
    await microphone();
    status(to === 'echo' ? 'Calling the echo…' : `Calling ${label}…`);
    const c = await gw.call(to, { stream: localStream, transformOffer: window.rtc2sipTransformOffer,
      startedAt: callStartedAt });
    attach(c, label);
    if (c.state === 'ended') inCall(false);
  } catch (e) {
    status(`Error: ${e.message}`);
    stopMedia();
    inCall(false);
  }
}

$('echo').addEventListener('click', () => startCall('echo', 'the echo'));
$('dial-form').addEventListener('submit', ev => {
  ev.preventDefault();
  const to = $('number').value.trim();
  if (!to) { status('Type a number or SIP address to call.'); $('number').focus(); return; }
  startCall(to, to);
});
$('hangup').addEventListener('click', () => call?.hangup());
$('mute').addEventListener('click', () => {
  if (!call) return;
  const on = !call.muted;
  call.mute(on);
  $('mute').setAttribute('aria-pressed', String(on));
  $('mute').textContent = on ? 'Muted' : 'Mute';
  detail(on ? 'Your microphone is muted: the other side hears silence.' : '');
});

// --------------------------------------------------------------- dial pad

function pressDigit(d) {
  if (call && call.state !== 'ended') {
    try {
      call.sendDtmf(d, 160);
      $('dtmf-sent').textContent += d;
      ringer?.beep(d);
    } catch (e) { detail(`Error: ${e.message}`); }
  } else {
    $('number').value += d;
  }
}
for (const b of $('dialpad').querySelectorAll('button[data-digit]'))
  b.addEventListener('click', () => pressDigit(b.dataset.digit));
// Typing digits anywhere but in a text field also presses the keys during a call.
document.addEventListener('keydown', ev => {
  if (!call || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.target.closest?.('input, textarea, select, button')) return;
  if (DTMF_DIGITS.test(ev.key) && ev.key.length === 1 && /[0-9*#]/.test(ev.key)) pressDigit(ev.key);
});

// --------------------------------------------------------- incoming calls

function displayName(from) {
  if (!from) return 'an unknown caller';
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>/.exec(from);
  if (m) return m[1] ? `${m[1]} (${m[2]})` : m[2];
  return from;
}

function stopRinging() {
  ringer?.stop();
  $('incoming').hidden = true;
}

gw.on('incoming', c => {
  if (ringingCall) { c.reject(486); return; }   // one ringing call at a time
  ringingCall = c;
  const who = displayName(c.from);
  $('incoming-from').textContent = who;
  $('incoming-to').textContent = c.to || 'you';
  $('incoming').hidden = false;
  audio();
  ringer?.start();
  status(`Incoming call from ${who}.`);
  $('answer').focus();
  c.on('hangup', ev => {
    if (ringingCall !== c) return;
    ringingCall = null;
    stopRinging();
    if (!ev.local) status(`Call ended: ${ev.reason}`);
  });
});

$('answer').addEventListener('click', async () => {
  const c = ringingCall;
  if (!c) return;
  ringingCall = null;
  stopRinging();
  call?.hangup();
  resetCallUi();
  setStep('websocket', 'already open');
  try {
    await microphone();
    attach(c, displayName(c.from));
    status(`Answering ${displayName(c.from)}…`);
    await c.accept({ stream: localStream });
  } catch (e) {
    status(`Error: ${e.message}`);
    if (c.state !== 'ended') c.hangup();
    stopMedia();
    inCall(false);
  }
});
$('reject').addEventListener('click', () => {
  const c = ringingCall;
  if (!c) return;
  ringingCall = null;
  stopRinging();
  c.reject(486);
  status(`You declined the call from ${displayName(c.from)}.`);
  $('number').focus();
});
document.addEventListener('keydown', ev => {
  if (ev.key === 'Escape' && ringingCall) $('reject').click();
});

// --------------------------------------------------------------- security

const SDES_WAYS = {
  udp: 'SDES keys sent over UDP signalling, readable by every SIP hop',
  tcp: 'SDES keys sent over TCP signalling, readable by every SIP hop',
  tls: 'SDES keys sent over TLS signalling, readable by every SIP proxy on the path',
};

function verifiedWords(v, whose) {
  const cert = whose ? `${whose} certificate` : 'certificate';
  return v === true ? `${cert} verified`
    : v === false ? `${cert} did NOT match its fingerprint` : `${cert} not checked yet`;
}

function legSentence(leg, whose) {
  if (!leg) return null;
  if (leg.keying === 'dtls-srtp') return `DTLS-SRTP, ${verifiedWords(leg.verified, whose)}`;
  if (leg.keying === 'sdes') return SDES_WAYS[leg.signalling] ?? `SDES keys sent over ${leg.signalling ?? 'unknown'} signalling`;
  return 'unencrypted';
}

function showSecurity(sec) {
  const b = sec.browser_leg || {};
  $('sec-browser').textContent = legSentence(b, '');
  $('sec-browser').title = b.profile ? `SRTP profile ${b.profile}` : '';
  $('fp-gateway').textContent = b.local_fingerprint ?? gw.welcome?.fingerprint ?? '–';
  $('fp-gateway-grouped').textContent = groupFingerprint($('fp-gateway').textContent) || '–';
  $('fp-browser').textContent = b.remote_fingerprint ?? '–';
  let mine = '';
  const own = sdpFingerprint(call?.direction === 'incoming' ? call?.answerSdp : call?.offerSdp);
  if (own && b.remote_fingerprint)
    mine = own.toUpperCase() === b.remote_fingerprint.toUpperCase()
      ? ' (matches your browser)' : ' (DOES NOT match your browser: someone is in the middle)';
  $('fp-browser-grouped').textContent = (groupFingerprint(b.remote_fingerprint) || '–') + mine;
  const s = sec.sip_leg;
  if (!s) {
    $('sec-sip').textContent = 'Echo: no SIP leg';
    $('fp-phone').textContent = $('fp-phone-grouped').textContent = '–';
  } else {
    $('sec-sip').textContent = legSentence(s, "phone's");
    $('sec-sip').title = s.suite ? `SRTP suite ${s.suite}` : s.profile ? `SRTP profile ${s.profile}` : '';
    $('fp-phone').textContent = s.remote_fingerprint ?? '–';
    $('fp-phone-grouped').textContent = groupFingerprint(s.remote_fingerprint) || '–';
  }
  $('sec-e2e').textContent = sec.end_to_end ? 'Yes: only the two ends can read the media'
    : 'No: the gateway decrypts and re-encrypts';
}
