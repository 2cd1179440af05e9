/* The DTLS-SRTP trace in the innovaphone format (see dtls_srtp.h). */
#define G_LOG_DOMAIN "rtc2sip-dtls"
#include <gnutls/gnutls.h>
#include <stdarg.h>

#include "gateway/media/dtls_private.h"

static gint trace_on;
static GMutex sink_lock;
static dtls_srtp_trace_sink sink_func;
static gpointer sink_data;

void
dtls_srtp_set_trace(gboolean on)
{
  g_atomic_int_set(&trace_on, on ? 1 : 0);
}

gboolean
dtls_srtp_get_trace(void)
{
  return g_atomic_int_get(&trace_on) != 0;
}

void
dtls_srtp_set_trace_sink(dtls_srtp_trace_sink sink, gpointer user_data)
{
  g_mutex_lock(&sink_lock);
  sink_func = sink;
  sink_data = user_data;
  g_mutex_unlock(&sink_lock);
}

gboolean
dtls_trace_enabled(const dtls_srtp_session *s)
{
  return s->trace_name != NULL && (s->trace_always || g_atomic_int_get(&trace_on));
}

void
dtls_trace(const dtls_srtp_session *s, const char *fmt, ...)
{
  if (!dtls_trace_enabled(s))
    return;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  g_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  g_autofree char *line = g_strdup_printf("%s: %s", s->trace_name, msg);

  g_mutex_lock(&sink_lock);
  dtls_srtp_trace_sink func = sink_func;
  gpointer data = sink_data;
  if (func)
    func(line, data);
  g_mutex_unlock(&sink_lock);
  if (!func)
    g_message("%s", line);
}

const char *
dtls_trace_message_name(unsigned int htype)
{
  switch (htype) {
  case GNUTLS_HANDSHAKE_HELLO_REQUEST: return "HelloRequest";
  case GNUTLS_HANDSHAKE_CLIENT_HELLO: return "ClientHello";
  case GNUTLS_HANDSHAKE_SERVER_HELLO: return "ServerHello";
  case GNUTLS_HANDSHAKE_HELLO_VERIFY_REQUEST: return "HelloVerifyRequest";
  case GNUTLS_HANDSHAKE_NEW_SESSION_TICKET: return "NewSessionTicket";
  case GNUTLS_HANDSHAKE_CERTIFICATE_PKT: return "Certificate";
  case GNUTLS_HANDSHAKE_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
  case GNUTLS_HANDSHAKE_CERTIFICATE_REQUEST: return "CertificateRequest";
  case GNUTLS_HANDSHAKE_SERVER_HELLO_DONE: return "ServerHelloDone";
  case GNUTLS_HANDSHAKE_CERTIFICATE_VERIFY: return "CertificateVerify";
  case GNUTLS_HANDSHAKE_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
  case GNUTLS_HANDSHAKE_FINISHED: return "Finished";
  case GNUTLS_HANDSHAKE_CERTIFICATE_STATUS: return "CertificateStatus";
  case GNUTLS_HANDSHAKE_CHANGE_CIPHER_SPEC: return "ChangeCipherSpec";
  default: return "handshake message";
  }
}

static const char *
srtp_profile_trace_name(gnutls_srtp_profile_t profile)
{
  switch (profile) {
  case GNUTLS_SRTP_AES128_CM_HMAC_SHA1_80: return "AES_CM_128_HMAC_SHA1_80";
  case GNUTLS_SRTP_AES128_CM_HMAC_SHA1_32: return "AES_CM_128_HMAC_SHA1_32";
  default: return "unknown";
  }
}

int
dtls_trace_hook(gnutls_session_t tls, unsigned int htype, unsigned when, unsigned int incoming,
                const gnutls_datum_t *msg)
{
  dtls_srtp_session *s = gnutls_session_get_ptr(tls);
  if (!s)
    return 0;

  /* GnuTLS 3.7 calls no hook for DTLS ChangeCipherSpec: it is traced with
   * the Finished that always follows it. */
  if (htype == GNUTLS_HANDSHAKE_CHANGE_CIPHER_SPEC)
    return 0;
  if (!dtls_trace_enabled(s))
    return 0;

  if (!incoming && when == GNUTLS_HOOK_PRE && htype == GNUTLS_HANDSHAKE_CLIENT_HELLO &&
      !s->first_client_hello_done) {
    s->first_client_hello_done = TRUE;
    dtls_trace(s, "Add ClientHello extension \"use_srtp\" (AES_CM_128_HMAC_SHA1_80, "
                  "AES_CM_128_HMAC_SHA1_32, no MKI)");
    return 0;
  }
  if (when != GNUTLS_HOOK_POST)
    return 0;

  if (htype == GNUTLS_HANDSHAKE_FINISHED)
    dtls_trace(s, "%s ChangeCipherSpec", incoming ? "Read" : "Write");
  dtls_trace(s, "%s %s", incoming ? "Read" : "Write", dtls_trace_message_name(htype));

  gnutls_srtp_profile_t profile;
  if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO && incoming &&
      gnutls_srtp_get_selected_profile(tls, &profile) == 0)
    dtls_trace(s, "Read ServerHello extension \"use_srtp\"");
  else if (htype == GNUTLS_HANDSHAKE_CLIENT_HELLO && incoming &&
           gnutls_srtp_get_selected_profile(tls, &profile) == 0)
    dtls_trace(s, "Read ClientHello extension \"use_srtp\"");
  else if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO && !incoming &&
           gnutls_srtp_get_selected_profile(tls, &profile) == 0)
    dtls_trace(s, "Add ServerHello extension \"use_srtp\" (%s, no MKI)",
               srtp_profile_trace_name(profile));
  return 0;
}
