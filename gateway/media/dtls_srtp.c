/* The DTLS-SRTP core: GnuTLS on memory buffers, driven by feed/tick (see
 * dtls_srtp.h). */
#define G_LOG_DOMAIN "rtc2sip-dtls"
#include <dlfcn.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <string.h>
#include <time.h>

#include "gateway/media/dtls_private.h"
#include "gateway/media/dtls_resume.h"

#define DTLS_SRTP_ERROR (g_quark_from_static_string("rtc2sip-dtls"))
#define DTLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"
#define DTLS_SRTP_PROFILES "SRTP_AES128_CM_HMAC_SHA1_80:SRTP_AES128_CM_HMAC_SHA1_32"
#define DTLS_RECORD_HEADER 13
#define DTLS_HANDSHAKE_HEADER 12

/* ---- GnuTLS's clock ------------------------------------------------------
 * GnuTLS 3.7 times DTLS retransmissions and the handshake timeout with its
 * internal gnutls_gettime(), which reads CLOCK_REALTIME. Its own test suite
 * virtualizes that clock with _gnutls_global_set_gettime_function(), an
 * exported but private (GNUTLS_PRIVATE_3_4) symbol. We look it up at run
 * time and install a clock that returns, on the calling thread and only
 * while one of our sessions is inside GnuTLS, the now_us our caller passed
 * in; anywhere else (other threads, SIP over TLS) it reads CLOCK_REALTIME
 * exactly like GnuTLS's own. So the core's timers are a pure function of the
 * now_us values fed in, in production as in tests. Without the symbol,
 * GnuTLS keeps its real clock: deadlines are still computed from
 * gnutls_dtls_get_timeout(), which works in production but cannot make
 * GnuTLS retransmit in virtual time (dtls_srtp_virtual_time() says which). */
typedef void (*gettime_func)(struct timespec *ts);
typedef void (*set_gettime_func)(gettime_func f);

static __thread gint64 clock_now_us = -1;
static gboolean virtual_time;
static gnutls_datum_t cookie_key;
static gnutls_priority_t dtls_priority;

static void
dtls_gettime(struct timespec *ts)
{
  gint64 now = clock_now_us;
  if (now >= 0) {
    ts->tv_sec = (time_t)(now / G_USEC_PER_SEC);
    ts->tv_nsec = (long)(now % G_USEC_PER_SEC) * 1000;
  } else {
    clock_gettime(CLOCK_REALTIME, ts);
  }
}

void
dtls_srtp_global_init(void)
{
  static gsize done;
  if (g_once_init_enter(&done)) {
    set_gettime_func set = (set_gettime_func)dlsym(RTLD_DEFAULT,
                                                   "_gnutls_global_set_gettime_function");
    if (set) {
      set(dtls_gettime);
      virtual_time = TRUE;
    } else {
      g_warning("GnuTLS has no clock hook: DTLS timers follow the real clock");
    }
    if (gnutls_key_generate(&cookie_key, GNUTLS_COOKIE_KEY_SIZE) < 0)
      g_error("cannot generate the DTLS cookie key");
    /* One parsed priority for every session (parsing it per session cost
     * about 8 KiB and a string parse per handshake). */
    if (gnutls_priority_init(&dtls_priority, DTLS_PRIORITY, NULL) < 0)
      g_error("the DTLS priority string is not valid");
    g_once_init_leave(&done, 1);
  }
}

/* Certificate credentials per identity, shared by every session of it and
 * kept for the process's life (the gateway has one identity; tests a few):
 * GnuTLS credentials are read-only once set up and may be shared between
 * sessions and threads. Per session they cost about 7 KiB and a key copy. */
static GMutex credentials_lock;
static GHashTable *credentials; /* identity * (referenced) -> gnutls_certificate_credentials_t */

static gnutls_certificate_credentials_t
shared_credentials(identity *id, int *rc, const char **what)
{
  g_mutex_lock(&credentials_lock);
  if (!credentials)
    credentials = g_hash_table_new(g_direct_hash, g_direct_equal);
  gnutls_certificate_credentials_t cred = g_hash_table_lookup(credentials, id);
  if (!cred) {
    if ((*rc = gnutls_certificate_allocate_credentials(&cred)) < 0) {
      *what = "credentials";
      cred = NULL;
    } else if ((*rc = identity_set_credentials(id, cred)) < 0) {
      *what = "identity";
      gnutls_certificate_free_credentials(cred);
      cred = NULL;
    } else {
      g_hash_table_insert(credentials, identity_ref(id), cred);
    }
  }
  g_mutex_unlock(&credentials_lock);
  return cred;
}

gboolean
dtls_srtp_virtual_time(void)
{
  dtls_srtp_global_init();
  return virtual_time;
}

/* Every call into GnuTLS for a session happens between these two. */
static void
clock_enter(dtls_srtp_session *s, gint64 now_us)
{
  if (now_us > s->now_us)
    s->now_us = now_us;
  clock_now_us = s->now_us;
}

static void
clock_leave(void)
{
  clock_now_us = -1;
}

/* ---- transport callbacks ------------------------------------------------ */

static ssize_t
push_cb(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  dtls_srtp_session *s = ptr;
  if (g_queue_get_length(&s->out) >= DTLS_SRTP_MAX_QUEUED) {
    s->dropped_datagrams++;
    return (ssize_t)len; /* as if lost on the wire */
  }
  g_queue_push_tail(&s->out, g_bytes_new(data, len));
  return (ssize_t)len;
}

static ssize_t
pull_cb(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
  dtls_srtp_session *s = ptr;
  if (!s->in_data) {
    gnutls_transport_set_errno(s->tls, EAGAIN);
    return -1;
  }
  gsize n = MIN(len, s->in_len);
  memcpy(data, s->in_data, n);
  s->in_data = NULL;
  s->in_len = 0;
  return (ssize_t)n;
}

static int
pull_timeout_cb(gnutls_transport_ptr_t ptr, unsigned int ms)
{
  dtls_srtp_session *s = ptr;
  return s->in_data ? 1 : 0;
}

/* ---- events and failure ------------------------------------------------- */

static void
push_event(dtls_srtp_session *s, dtls_srtp_event_type type, int error, const char *reason)
{
  if (s->n_events >= DTLS_SRTP_MAX_EVENTS)
    return;
  s->events[s->n_events++] = (dtls_srtp_event){ type, error, reason };
}

static const char *
error_reason(dtls_srtp_error error)
{
  switch (error) {
  case DTLS_SRTP_ERROR_NONE: return "closed";
  case DTLS_SRTP_ERROR_TIMEOUT: return "handshake timeout";
  case DTLS_SRTP_ERROR_PROTOCOL: return "DTLS protocol error";
  case DTLS_SRTP_ERROR_ALERT: return "fatal alert received";
  case DTLS_SRTP_ERROR_FINGERPRINT: return "fingerprint mismatch";
  case DTLS_SRTP_ERROR_NO_SRTP: return "no SRTP profile negotiated";
  case DTLS_SRTP_ERROR_INTERNAL: break;
  }
  return "internal error";
}

static void
fail(dtls_srtp_session *s, dtls_srtp_error error)
{
  if (s->state == DTLS_SRTP_FAILED || s->state == DTLS_SRTP_CLOSED)
    return;
  const char *reason = error_reason(error);
  dtls_trace(s, "Disconnect (%s)", reason);
  dtls_trace(s, "Close error=%d", (int)error);
  s->state = DTLS_SRTP_FAILED;
  s->deadline = -1;
  push_event(s, DTLS_SRTP_EVENT_FAILED, error, reason);
}

/* ---- certificate check -------------------------------------------------- */

/* Does the peer's certificate match one of the configured fingerprints?
 * Remembers the one that matched. */
static gboolean
check_peer_certificate(dtls_srtp_session *s)
{
  unsigned int n = 0;
  const gnutls_datum_t *certs = gnutls_certificate_get_peers(s->tls, &n);
  if (!certs || n == 0)
    return FALSE;
  for (guint i = 0; i < s->n_remote_fps; i++) {
    if (fingerprint_verify(&s->remote_fps[i], certs[0].data, certs[0].size)) {
      s->matched = s->remote_fps[i];
      s->verified = TRUE;
      return TRUE;
    }
  }
  return FALSE;
}

static int
verify_cb(gnutls_session_t tls)
{
  dtls_srtp_session *s = gnutls_session_get_ptr(tls);
  if (check_peer_certificate(s))
    return 0;
  fail(s, DTLS_SRTP_ERROR_FINGERPRINT);
  return GNUTLS_E_CERTIFICATE_ERROR;
}

/* ---- the handshake ------------------------------------------------------ */

static void
update_deadline(dtls_srtp_session *s)
{
  if (s->state != DTLS_SRTP_HANDSHAKING) {
    s->deadline = -1;
    return;
  }
  unsigned int ms = gnutls_dtls_get_timeout(s->tls);
  /* 0 right after a GnuTLS call means no flight waits for an answer (we
   * wait for the rest of the peer's flight): only the overall timeout. */
  gint64 next = ms > 0 ? s->now_us + (gint64)ms * 1000 : s->handshake_deadline;
  if (s->handshake_deadline >= 0 && (next < 0 || next > s->handshake_deadline))
    next = s->handshake_deadline;
  s->deadline = next;
}

static void
connected(dtls_srtp_session *s)
{
  gnutls_srtp_profile_t profile;
  gboolean from_resume;
  /* (A resumed session gets no Certificate message, so no verify_cb: the
   * peer certificate GnuTLS restored from the session data is checked here.
   * The peer may already be connected: tell it with a fatal alert.) */
  if (!s->verified && !check_peer_certificate(s)) {
    gnutls_alert_send(s->tls, GNUTLS_AL_FATAL, GNUTLS_A_BAD_CERTIFICATE);
    fail(s, DTLS_SRTP_ERROR_FINGERPRINT);
    return;
  }
  if (!dtls_resume_session_profile(s, &profile, &from_resume)) {
    gnutls_alert_send(s->tls, GNUTLS_AL_FATAL, GNUTLS_A_HANDSHAKE_FAILURE);
    fail(s, DTLS_SRTP_ERROR_NO_SRTP);
    return;
  }
  guint8 material[2 * (16 + 14)];
  gnutls_datum_t ck, cs, sk, ss;
  int rc = from_resume ? dtls_resume_export_keys(s, material, sizeof material, &ck, &cs, &sk, &ss)
                       : gnutls_srtp_get_keys(s->tls, material, sizeof material, &ck, &cs, &sk, &ss);
  if (rc < 0 || ck.size + cs.size > sizeof s->keys.local_key ||
      sk.size + ss.size > sizeof s->keys.remote_key) {
    gnutls_memset(material, 0, sizeof material);
    fail(s, DTLS_SRTP_ERROR_INTERNAL);
    return;
  }
  /* RFC 5764 §4.2: the client protects with the client write key. */
  const gnutls_datum_t *lk = s->role == DTLS_ROLE_CLIENT ? &ck : &sk;
  const gnutls_datum_t *ls = s->role == DTLS_ROLE_CLIENT ? &cs : &ss;
  const gnutls_datum_t *rk = s->role == DTLS_ROLE_CLIENT ? &sk : &ck;
  const gnutls_datum_t *rs = s->role == DTLS_ROLE_CLIENT ? &ss : &cs;
  memcpy(s->keys.local_key, lk->data, lk->size);
  memcpy(s->keys.local_key + lk->size, ls->data, ls->size);
  s->keys.local_key_len = lk->size + ls->size;
  memcpy(s->keys.remote_key, rk->data, rk->size);
  memcpy(s->keys.remote_key + rk->size, rs->data, rs->size);
  s->keys.remote_key_len = rk->size + rs->size;
  s->keys.profile = profile == GNUTLS_SRTP_AES128_CM_HMAC_SHA1_80 ? SRTP_PROFILE_AES128_CM_SHA1_80
                                                                  : SRTP_PROFILE_AES128_CM_SHA1_32;
  gnutls_memset(material, 0, sizeof material);

  s->resumed = gnutls_session_is_resumed(s->tls) != 0;
  s->state = DTLS_SRTP_CONNECTED;
  s->read_epoch = 1;
  s->deadline = -1;
  dtls_trace(s, "Connected");
  dtls_trace(s, "Use SRTP %s", profile == GNUTLS_SRTP_AES128_CM_HMAC_SHA1_80
                                   ? "AES_CM_128_HMAC_SHA1_80" : "AES_CM_128_HMAC_SHA1_32");
  push_event(s, DTLS_SRTP_EVENT_CONNECTED, 0, "connected");
}

static dtls_srtp_error
map_gnutls_error(int rc)
{
  switch (rc) {
  case GNUTLS_E_TIMEDOUT: return DTLS_SRTP_ERROR_TIMEOUT;
  case GNUTLS_E_FATAL_ALERT_RECEIVED: return DTLS_SRTP_ERROR_ALERT;
  case GNUTLS_E_CERTIFICATE_ERROR: return DTLS_SRTP_ERROR_FINGERPRINT;
  case GNUTLS_E_MEMORY_ERROR:
  case GNUTLS_E_INTERNAL_ERROR: return DTLS_SRTP_ERROR_INTERNAL;
  default: return DTLS_SRTP_ERROR_PROTOCOL;
  }
}

/* Runs gnutls_handshake at the session's current time (inside the clock). */
static void
drive_handshake(dtls_srtp_session *s)
{
  if (s->handshake_deadline < 0)
    s->handshake_deadline = s->now_us + (gint64)DTLS_SRTP_HANDSHAKE_TIMEOUT_MS * 1000;
  for (int round = 0; round < 8 && s->state == DTLS_SRTP_HANDSHAKING; round++) {
    guint queued = g_queue_get_length(&s->out);
    int rc = gnutls_handshake(s->tls);
    if (rc == 0) {
      /* What this call sent is our last flight when we are the server
       * (ChangeCipherSpec, Finished): keep it to answer retransmissions. */
      /* (In an abbreviated handshake the client sends the last flight.) */
      gboolean ours_last = (s->role == DTLS_ROLE_SERVER) != (gnutls_session_is_resumed(s->tls) != 0);
      GList *l = g_queue_peek_nth_link(&s->out, queued);
      for (; l && ours_last; l = l->next)
        g_ptr_array_add(s->last_flight, g_bytes_ref(l->data));
      s->last_flight_sent = s->now_us;
      connected(s);
      break;
    }
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
      /* Client: the flight that carried our Finished, first time only. */
      if (s->role == DTLS_ROLE_CLIENT && s->finished_written && s->client_flight->len == 0 &&
          !gnutls_session_is_resumed(s->tls)) {
        for (GList *l = g_queue_peek_nth_link(&s->out, queued); l; l = l->next)
          g_ptr_array_add(s->client_flight, g_bytes_ref(l->data));
        s->client_flight_sent = s->now_us;
      }
      break;
    }
    if (!gnutls_error_is_fatal(rc))
      continue; /* warning alert and the like: go on */
    /* No alert for a fingerprint mismatch: the call ends by signalling
     * (BYE with a Reason), and an alert sent from here would reach the peer
     * first and make it hang up before our BYE tells why. */
    if (rc != GNUTLS_E_FATAL_ALERT_RECEIVED && rc != GNUTLS_E_TIMEDOUT && rc != GNUTLS_E_CERTIFICATE_ERROR)
      gnutls_alert_send_appropriate(s->tls, rc);
    g_debug("DTLS handshake: %s", gnutls_strerror(rc));
    fail(s, map_gnutls_error(rc));
  }
  if (s->state == DTLS_SRTP_HANDSHAKING && s->now_us >= s->handshake_deadline)
    fail(s, DTLS_SRTP_ERROR_TIMEOUT);
  update_deadline(s);
}

/* After the handshake: lets GnuTLS see records (alerts, the peer's
 * retransmitted last flight, which makes it resend ours). */
static void
drive_connected(dtls_srtp_session *s)
{
  guint8 buf[2048];
  for (int round = 0; round < 8 && s->state == DTLS_SRTP_CONNECTED; round++) {
    ssize_t n = gnutls_record_recv(s->tls, buf, sizeof buf);
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
      break;
    if (n > 0) {
      s->ignored_records++;
      dtls_trace(s, "Ignore record (application data)");
      continue;
    }
    if (n == 0) {
      dtls_trace(s, "Read Alert close_notify");
      dtls_trace(s, "Close error=0");
      s->state = DTLS_SRTP_CLOSED;
      push_event(s, DTLS_SRTP_EVENT_CLOSED, DTLS_SRTP_ERROR_NONE, "closed by the peer");
      break;
    }
    if (n == GNUTLS_E_REHANDSHAKE) {
      s->ignored_records++;
      dtls_trace(s, "Ignore record (renegotiation)");
      continue;
    }
    if (!gnutls_error_is_fatal((int)n))
      continue;
    fail(s, map_gnutls_error((int)n));
  }
  gnutls_memset(buf, 0, sizeof buf);
}

/* Creates s->tls (credentials already set up). Returns 0, or a GnuTLS error
 * with *WHAT naming the step. */
static int
setup_tls(dtls_srtp_session *s, const char **what)
{
  int rc;
  if ((rc = gnutls_init(&s->tls, (s->role == DTLS_ROLE_CLIENT ? GNUTLS_CLIENT : GNUTLS_SERVER) |
                                     GNUTLS_DATAGRAM | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS |
                                     GNUTLS_NO_REPLAY_PROTECTION)) < 0) {
    s->tls = NULL;
    *what = "session";
    return rc;
  }
  if ((rc = gnutls_priority_set(s->tls, dtls_priority)) < 0) {
    *what = "priority";
    return rc;
  }
  if ((rc = gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, s->cred)) < 0) {
    *what = "credentials";
    return rc;
  }
  if ((rc = gnutls_srtp_set_profile_direct(s->tls, DTLS_SRTP_PROFILES, NULL)) < 0) {
    *what = "use_srtp";
    return rc;
  }
  if (s->role == DTLS_ROLE_SERVER)
    gnutls_certificate_server_set_request(s->tls, GNUTLS_CERT_REQUIRE);
  gnutls_session_set_verify_function(s->tls, verify_cb);
  gnutls_session_set_ptr(s->tls, s);
  gnutls_transport_set_ptr(s->tls, s);
  gnutls_transport_set_push_function(s->tls, push_cb);
  gnutls_transport_set_pull_function(s->tls, pull_cb);
  gnutls_transport_set_pull_timeout_function(s->tls, pull_timeout_cb);
  gnutls_dtls_set_mtu(s->tls, s->mtu);
  gnutls_dtls_set_timeouts(s->tls, DTLS_SRTP_RETRANSMIT_MS, DTLS_SRTP_HANDSHAKE_TIMEOUT_MS);
  gnutls_handshake_set_hook_function(s->tls, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH,
                                     dtls_resume_hook);
  if (s->cache)
    dtls_resume_install_cache(s);
  return 0;
}

/* Client: loads the resume data into GnuTLS; unusable data is traced and
 * gives a full handshake. */
static int
client_set_resume_data(dtls_srtp_session *s, GBytes *data)
{
  const guint8 *id, *blob;
  gsize id_len, blob_len;
  unsigned int profile;
  if (!dtls_resume_unwrap(data, &profile, &id, &id_len, &blob, &blob_len)) {
    dtls_trace(s, "Ignore resume data (not ours)");
    return 0;
  }
  int rc = gnutls_session_set_data(s->tls, blob, blob_len);
  if (rc < 0) {
    /* A failed set_data leaves part of the data behind (GnuTLS 3.7 then
     * offers the session id without being able to resume it): start
     * over with a fresh GnuTLS session. */
    dtls_trace(s, "Ignore resume data (%s)", gnutls_strerror(rc));
    const char *what = NULL;
    gnutls_deinit(s->tls);
    s->tls = NULL;
    return setup_tls(s, &what);
  }
  memcpy(s->try_id, id, id_len);
  s->try_id_len = id_len;
  s->resume_profile = profile;
  return 0;
}

/* ---- life cycle --------------------------------------------------------- */

dtls_srtp_session *
dtls_srtp_session_new(const dtls_srtp_config *config, GError **error)
{
  dtls_srtp_global_init();
  if (!config || !config->identity) {
    g_set_error(error, DTLS_SRTP_ERROR, EINVAL, "a DTLS-SRTP session needs an identity");
    return NULL;
  }
  if (!config->remote_fingerprints || config->n_remote_fingerprints == 0) {
    g_set_error(error, DTLS_SRTP_ERROR, EINVAL, "a DTLS-SRTP session needs a remote fingerprint");
    return NULL;
  }

  g_autoptr(dtls_srtp_session) s = g_new0(dtls_srtp_session, 1);
  s->role = config->role;
  s->identity = identity_ref(config->identity);
  s->remote_fps = g_memdup2(config->remote_fingerprints,
                            sizeof(fingerprint) * config->n_remote_fingerprints);
  s->n_remote_fps = config->n_remote_fingerprints;
  s->trace_name = g_strdup(config->trace_name);
  s->trace_always = config->trace_always;
  s->mtu = config->mtu ? config->mtu : DTLS_SRTP_DEFAULT_MTU;
  s->state = DTLS_SRTP_NEW;
  s->deadline = -1;
  s->handshake_deadline = -1;
  s->now_us = 0;
  s->in_filtered = g_byte_array_new();
  s->held = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  s->last_flight = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  s->client_flight = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_queue_init(&s->out);

  dtls_trace(s, "Initialize");
  int rc = 0;
  const char *what = NULL;
  if (!(s->cred = shared_credentials(s->identity, &rc, &what))) {
    /* what and rc say why */
  } else {
    s->cache = s->role == DTLS_ROLE_SERVER ? config->cache : NULL;
    rc = setup_tls(s, &what);
  }
  if (what) {
    g_set_error(error, DTLS_SRTP_ERROR, EIO, "cannot set up the DTLS %s: %s", what,
                gnutls_strerror(rc));
    return NULL;
  }
  if (gnutls_rnd(GNUTLS_RND_NONCE, s->cookie_client, sizeof s->cookie_client) < 0) {
    g_set_error(error, DTLS_SRTP_ERROR, EIO, "no random numbers");
    return NULL;
  }

  if (dtls_trace_enabled(s)) {
    char hex[FINGERPRINT_MAX_DIGEST * 2 + 1];
    dtls_trace(s, "Initialized fingerprint=%s",
               fingerprint_format_hex(identity_fingerprint(s->identity), hex));
  }
  if (s->role == DTLS_ROLE_CLIENT && config->resume_data &&
      (rc = client_set_resume_data(s, (GBytes *)config->resume_data)) < 0) {
    g_set_error(error, DTLS_SRTP_ERROR, EIO, "cannot set up the DTLS session: %s",
                gnutls_strerror(rc));
    return NULL;
  }
  return g_steal_pointer(&s);
}

void
dtls_srtp_session_free(dtls_srtp_session *s)
{
  if (!s)
    return;
  if (s->tls)
    gnutls_deinit(s->tls);
  if (s->identity)
    identity_unref(s->identity);
  g_queue_clear_full(&s->out, (GDestroyNotify)g_bytes_unref);
  if (s->in_filtered)
    g_byte_array_unref(s->in_filtered);
  if (s->held)
    g_ptr_array_unref(s->held);
  if (s->last_flight)
    g_ptr_array_unref(s->last_flight);
  if (s->client_flight)
    g_ptr_array_unref(s->client_flight);
  g_free(s->remote_fps);
  g_free(s->trace_name);
  gnutls_memset(&s->keys, 0, sizeof s->keys);
  g_free(s);
}

static void
trace_connect(dtls_srtp_session *s)
{
  if (!dtls_trace_enabled(s))
    return;
  char hex[FINGERPRINT_MAX_DIGEST * 2 + 1];
  int options = DTLS_SRTP_OPTION_USE_SRTP | (s->role == DTLS_ROLE_SERVER ? DTLS_SRTP_OPTION_COOKIE : 0);
  dtls_trace(s, "Connect %s options=%d fingerprint=%s",
             s->role == DTLS_ROLE_CLIENT ? "CLIENT" : "SERVER", options,
             fingerprint_format_hex(&s->remote_fps[0], hex));
}

int
dtls_srtp_session_start(dtls_srtp_session *s, gint64 now_us)
{
  if (s->state != DTLS_SRTP_NEW)
    return -EALREADY;
  clock_enter(s, now_us);
  s->state = DTLS_SRTP_HANDSHAKING;
  trace_connect(s);
  if (s->role == DTLS_ROLE_CLIENT)
    drive_handshake(s);
  clock_leave();
  return 0;
}

/* ---- input -------------------------------------------------------------- */

static void
ignore_record(dtls_srtp_session *s, const char *why, int detail)
{
  s->ignored_records++;
  if (detail >= 0)
    dtls_trace(s, "Ignore record (%s %d)", why, detail);
  else
    dtls_trace(s, "Ignore record (%s)", why);
}

/* GnuTLS 3.7 drops a record of the next epoch (the peer's Finished) that
 * arrives before it has processed everything before the peer's
 * ChangeCipherSpec; with loss, the peer's retransmissions back off and the
 * handshake can starve. We keep a copy of the last few such records and
 * give them to GnuTLS again whenever the handshake made progress. */
#define DTLS_SRTP_MAX_HELD 4

static void
hold_record(dtls_srtp_session *s, const guint8 *r, gsize len)
{
  if (s->held->len >= DTLS_SRTP_MAX_HELD)
    g_ptr_array_remove_index(s->held, 0);
  g_ptr_array_add(s->held, g_bytes_new(r, len));
  dtls_trace(s, "Buffer handshake message of next epoch %u", s->read_epoch + 1);
}

/* Feeds copies of the held records one by one while the handshake goes
 * on; they stay held until the handshake ends or newer ones replace them. */
static void
reinject_held(dtls_srtp_session *s)
{
  guint n_held = s->held->len;
  GBytes *snapshot[DTLS_SRTP_MAX_HELD];
  for (guint i = 0; i < n_held; i++)
    snapshot[i] = g_bytes_ref(s->held->pdata[i]);
  for (guint i = 0; i < n_held; i++) {
    if (s->state == DTLS_SRTP_HANDSHAKING) {
      gsize n;
      s->in_data = g_bytes_get_data(snapshot[i], &n);
      s->in_len = n;
      drive_handshake(s);
      s->in_data = NULL;
      s->in_len = 0;
    }
    g_bytes_unref(snapshot[i]);
  }
}

/* Server after the handshake: sends our last flight again, at most once per
 * half initial retransmission interval (the peer's flight is several
 * datagrams). */
static void
resend_last_flight(dtls_srtp_session *s)
{
  if (s->last_flight->len == 0 ||
      s->now_us - s->last_flight_sent < (gint64)DTLS_SRTP_RETRANSMIT_MS * 500)
    return;
  s->last_flight_sent = s->now_us;
  for (guint i = 0; i < s->last_flight->len; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data(s->last_flight->pdata[i], &n);
    push_cb(s, p, n);
  }
}

/* Client: sends our second flight again, at most once per half initial
 * retransmission interval (the server's flight is several datagrams). */
static void
resend_client_flight(dtls_srtp_session *s)
{
  if (s->now_us - s->client_flight_sent < (gint64)DTLS_SRTP_RETRANSMIT_MS * 500)
    return;
  s->client_flight_sent = s->now_us;
  dtls_trace(s, "Resend our flight (the server repeated its own)");
  for (guint i = 0; i < s->client_flight->len; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data(s->client_flight->pdata[i], &n);
    push_cb(s, p, n);
  }
}

/* Checks the record framing of a datagram (RFC 6347 §4.1) and copies the
 * records GnuTLS may see into s->in_filtered. Returns how many it kept. */
static guint
filter_records(dtls_srtp_session *s, const guint8 *data, gsize len)
{
  guint kept = 0;
  gsize off = 0;
  g_byte_array_set_size(s->in_filtered, 0);
  while (off < len) {
    if (len - off < DTLS_RECORD_HEADER) {
      ignore_record(s, "truncated record header", -1);
      break;
    }
    const guint8 *r = data + off;
    guint type = r[0];
    guint version = ((guint)r[1] << 8) | r[2];
    guint epoch = ((guint)r[3] << 8) | r[4];
    gsize rlen = ((gsize)r[11] << 8) | r[12];
    if (rlen > len - off - DTLS_RECORD_HEADER) {
      ignore_record(s, "truncated record", -1);
      break;
    }
    off += DTLS_RECORD_HEADER + rlen;
    if (version != 0xfefd && version != 0xfeff) {
      ignore_record(s, "bad version", -1);
      continue;
    }
    if (type < 20 || type > 23) {
      ignore_record(s, "unknown content type", (int)type);
      continue;
    }
    if (epoch > s->read_epoch + 1) {
      ignore_record(s, "unexpected epoch", (int)epoch);
      continue;
    }
    if (type == 23 && s->state != DTLS_SRTP_CONNECTED) {
      ignore_record(s, "application data before the handshake", -1);
      continue;
    }
    if (s->state == DTLS_SRTP_HANDSHAKING && s->client_flight->len > 0 && type == 22 && epoch == 0) {
      /* Client after our Finished: the server's first flight again, so our
       * second flight was lost. GnuTLS 3.7, shown the old flight, loses
       * the ChangeCipherSpec that follows and the handshake stalls (seen
       * against rtpengine); answer it with our flight ourselves. */
      ignore_record(s, "retransmitted server flight", -1);
      resend_client_flight(s);
      continue;
    }
    if (s->state == DTLS_SRTP_HANDSHAKING && epoch == s->read_epoch + 1)
      hold_record(s, r, DTLS_RECORD_HEADER + rlen);
    if (s->state == DTLS_SRTP_CONNECTED && epoch < s->read_epoch) {
      /* A retransmission of the peer's last flight: our last flight was
       * lost. GnuTLS drops the record (and resends only on the peer's
       * Finished); RFC 6347 §4.2.4 wants any of it answered. */
      ignore_record(s, "unexpected epoch", (int)epoch);
      resend_last_flight(s);
    }
    g_byte_array_append(s->in_filtered, r, (guint)(DTLS_RECORD_HEADER + rlen));
    kept++;
  }
  return kept;
}

/* Server before the handshake: answer a ClientHello without a valid cookie
 * with a HelloVerifyRequest (RFC 6347 §4.2.1), statelessly; start the
 * handshake on one with a valid cookie. */
static void
server_cookie_exchange(dtls_srtp_session *s, guint kept)
{
  guint8 *d = s->in_filtered->data;
  gsize n = s->in_filtered->len;
  /* A ClientHello too large for one datagram comes in fragments (browsers
   * with big key shares): the stateless cookie exchange needs it whole, so
   * such a handshake goes ahead without a cookie. The peer's address is
   * already proven by ICE or by the signalling that set up the media. */
  if (n >= DTLS_RECORD_HEADER + DTLS_HANDSHAKE_HEADER && d[0] == 22 &&
      d[DTLS_RECORD_HEADER] == GNUTLS_HANDSHAKE_CLIENT_HELLO &&
      memcmp(d + DTLS_RECORD_HEADER + 1, d + DTLS_RECORD_HEADER + 9, 3) != 0) {
    dtls_trace(s, "Read ClientHello (fragmented: no cookie exchange)");
    s->cookie_ok = TRUE;
    s->in_data = d;
    s->in_len = n;
    drive_handshake(s);
    return;
  }
  if (kept != 1 || n < DTLS_RECORD_HEADER + DTLS_HANDSHAKE_HEADER || d[0] != 22 ||
      d[DTLS_RECORD_HEADER] != GNUTLS_HANDSHAKE_CLIENT_HELLO ||
      memcmp(d + DTLS_RECORD_HEADER + 1, d + DTLS_RECORD_HEADER + 9, 3) != 0 || /* unfragmented */
      d[DTLS_RECORD_HEADER + 6] || d[DTLS_RECORD_HEADER + 7] || d[DTLS_RECORD_HEADER + 8]) {
    ignore_record(s, "no ClientHello yet", -1);
    return;
  }
  gnutls_dtls_prestate_st prestate;
  memset(&prestate, 0, sizeof prestate);
  if (gnutls_dtls_cookie_verify(&cookie_key, s->cookie_client, sizeof s->cookie_client, d, n,
                                &prestate) == 0) {
    s->cookie_ok = TRUE;
    gnutls_dtls_prestate_set(s->tls, &prestate);
    s->in_data = d;
    s->in_len = n;
    drive_handshake(s);
    return;
  }
  dtls_trace(s, "Read ClientHello");
  memset(&prestate, 0, sizeof prestate);
  if (gnutls_dtls_cookie_send(&cookie_key, s->cookie_client, sizeof s->cookie_client, &prestate,
                              s, push_cb) >= 0)
    dtls_trace(s, "Write HelloVerifyRequest");
}

int
dtls_srtp_session_feed(dtls_srtp_session *s, gint64 now_us, const guint8 *data, gsize len)
{
  if (!data || len == 0 || data[0] < 20 || data[0] > 63)
    return -EINVAL;
  if (s->state == DTLS_SRTP_FAILED || s->state == DTLS_SRTP_CLOSED)
    return -EPIPE;
  clock_enter(s, now_us);
  if (s->state == DTLS_SRTP_NEW) {
    if (s->role == DTLS_ROLE_CLIENT) {
      ignore_record(s, "not started", -1);
      goto out;
    }
    s->state = DTLS_SRTP_HANDSHAKING;
    trace_connect(s);
  }
  guint kept = filter_records(s, data, len);
  if (kept == 0)
    goto out;
  if (s->role == DTLS_ROLE_SERVER && !s->cookie_ok) {
    server_cookie_exchange(s, kept);
  } else {
    s->in_data = s->in_filtered->data;
    s->in_len = s->in_filtered->len;
    if (s->state == DTLS_SRTP_HANDSHAKING)
      drive_handshake(s);
    else
      drive_connected(s);
    if (s->in_data) {
      /* GnuTLS did not want it. */
      s->in_data = NULL;
      s->in_len = 0;
      s->ignored_records += kept;
    }
    if (s->held->len > 0)
      reinject_held(s);
  }
  if (s->state != DTLS_SRTP_HANDSHAKING) {
    g_ptr_array_set_size(s->held, 0);
    /* Past the handshake DTLS datagrams are rare (an alert, a peer's
     * retransmitted flight): give back the room the largest handshake
     * datagram left in the filter's buffer (0.5 to 1 KiB per session for the
     * call's life) rather than keep it. */
    if (s->in_filtered->len > 0) {
      g_byte_array_unref(s->in_filtered);
      s->in_filtered = g_byte_array_new();
    }
  }
out:
  clock_leave();
  return 0;
}

int
dtls_srtp_session_tick(dtls_srtp_session *s, gint64 now_us)
{
  if (s->deadline < 0 || now_us < s->deadline)
    return 0;
  clock_enter(s, now_us);
  if (s->state == DTLS_SRTP_HANDSHAKING) {
    dtls_trace(s, "Timeout");
    drive_handshake(s);
  } else {
    s->deadline = -1;
  }
  clock_leave();
  return 0;
}

gint64
dtls_srtp_session_next_deadline(const dtls_srtp_session *s)
{
  return s->deadline;
}

/* ---- output and queries ------------------------------------------------- */

gboolean
dtls_srtp_session_pop_datagram(dtls_srtp_session *s, guint8 *buf, gsize cap, gsize *len)
{
  GBytes *b;
  while ((b = g_queue_pop_head(&s->out))) {
    gsize n;
    const guint8 *p = g_bytes_get_data(b, &n);
    if (n > cap) {
      s->dropped_datagrams++;
      g_bytes_unref(b);
      continue;
    }
    memcpy(buf, p, n);
    *len = n;
    g_bytes_unref(b);
    return TRUE;
  }
  return FALSE;
}

gboolean
dtls_srtp_session_poll_event(dtls_srtp_session *s, dtls_srtp_event *event)
{
  if (s->n_events == 0)
    return FALSE;
  *event = s->events[0];
  memmove(&s->events[0], &s->events[1], sizeof(s->events[0]) * (s->n_events - 1));
  s->n_events--;
  return TRUE;
}

dtls_srtp_state
dtls_srtp_session_state(const dtls_srtp_session *s)
{
  return s->state;
}

const dtls_srtp_keys *
dtls_srtp_session_keys(const dtls_srtp_session *s)
{
  return s->keys.profile != SRTP_PROFILE_NONE ? &s->keys : NULL;
}

const fingerprint *
dtls_srtp_session_remote_fingerprint(const dtls_srtp_session *s)
{
  return s->verified ? &s->matched : NULL;
}

guint64
dtls_srtp_session_ignored_records(const dtls_srtp_session *s)
{
  return s->ignored_records;
}

void
dtls_srtp_session_close(dtls_srtp_session *s, gint64 now_us)
{
  if (s->state == DTLS_SRTP_FAILED || s->state == DTLS_SRTP_CLOSED)
    return;
  clock_enter(s, now_us);
  if (s->state == DTLS_SRTP_CONNECTED ||
      (s->state == DTLS_SRTP_HANDSHAKING && (s->role == DTLS_ROLE_CLIENT || s->cookie_ok)))
    gnutls_bye(s->tls, GNUTLS_SHUT_WR);
  clock_leave();
  dtls_trace(s, "Close error=0");
  s->state = DTLS_SRTP_CLOSED;
  s->deadline = -1;
  push_event(s, DTLS_SRTP_EVENT_CLOSED, DTLS_SRTP_ERROR_NONE, "closed");
}

const char *
dtls_srtp_state_name(dtls_srtp_state state)
{
  switch (state) {
  case DTLS_SRTP_NEW: return "new";
  case DTLS_SRTP_HANDSHAKING: return "handshaking";
  case DTLS_SRTP_CONNECTED: return "connected";
  case DTLS_SRTP_FAILED: return "failed";
  case DTLS_SRTP_CLOSED: return "closed";
  }
  return "unknown";
}
