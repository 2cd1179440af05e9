// The gateway's own page: the echo test and the security panel.
import { Rtc2Sip } from './rtc2sip.js';

const $ = id => document.getElementById(id);
const status = text => { $('status').textContent = text; };
const gw = new Rtc2Sip();
let call = null;

// State for people debugging and for the interop tests.
window.rtc2sip = { gw, get call() { return call; }, events: [] };
gw.on('message', m => window.rtc2sip.events.push(m));

function showSecurity(sec) {
  const b = sec.browser_leg;
  $('sec-browser').textContent = b.keying === 'dtls-srtp'
    ? `DTLS-SRTP (${b.profile}), certificate ${b.verified ? 'verified' : 'NOT verified'}`
    : b.keying === 'sdes' ? `SDES (${b.suite})` : 'unencrypted';
  $('fp-gateway').textContent = b.local_fingerprint ?? '–';
  $('fp-browser').textContent = b.remote_fingerprint ?? '–';
  $('sec-e2e').textContent = sec.end_to_end ? 'Yes' : 'No: the gateway decrypts and re-encrypts';
}

async function startEcho() {
  $('echo').disabled = true;
  try {
    if (!gw.welcome) {
      status('Connecting to the gateway…');
      await gw.connect();
      $('fp-gateway').textContent = gw.welcome.fingerprint;
    }
    status('Asking for the microphone…');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    status('Calling the echo…');
    call = await gw.call('echo', { stream, transformOffer: window.rtc2sipTransformOffer });
    call.on('track', (t, remote) => { $('remote').srcObject = remote; });
    call.on('security', showSecurity);
    call.on('connected', () => status('Connected: you should hear yourself.'));
    call.on('error', e => status(`Error: ${e.message}`));
    call.on('hangup', ev => {
      status(`Call ended: ${ev.reason}`);
      stream.getTracks().forEach(t => t.stop());
      $('echo').disabled = false;
      $('hangup').disabled = true;
    });
    $('hangup').disabled = false;
  } catch (e) {
    status(`Error: ${e.message}`);
    $('echo').disabled = false;
  }
}

$('echo').addEventListener('click', startEcho);
$('hangup').addEventListener('click', () => call?.hangup());
