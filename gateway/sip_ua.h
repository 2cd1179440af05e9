/* The gateway's SIP user agent: the sans-IO SIP stack (signalling/sip/)
 * driven by the transports (signalling/sip/net/) on the main loop, the
 * trunks' registrations, and the SIP side of calls. Main thread only. */
#pragma once
#include "gateway/browser_conn.h"
#include "gateway/gateway.h"
#include "signalling/sip/sip_stack.h"

typedef struct sip_ua sip_ua;

/* Opens the [sip] listen addresses and starts the trunks' registrations.
 * Returns NULL with ERROR naming the address that could not be bound. */
sip_ua *sip_ua_new(gateway *gw, GError **error);
/* Unregisters (waiting at most a moment for the registrar) and closes. */
void sip_ua_free(sip_ua *ua);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sip_ua, sip_ua_free)

/* While draining, new calls and OPTIONS get 503. */
void sip_ua_set_draining(sip_ua *ua, gboolean draining);

/* "udp:127.0.0.1:5060 tcp:… tls:…" of the bound listeners. Caller frees. */
char *sip_ua_describe_listeners(const sip_ua *ua);

typedef struct {
  char *trunk;
  char *aor;
  sip_registration_state state;
  guint status;     /* last failure status */
  char *reason;
  guint32 expires;  /* granted, when registered */
  gint64 registered_at_us;
} sip_ua_registration;

/* "registering", "registered", "failed", "unregistered". */
const char *sip_ua_registration_state_name(sip_registration_state s);

/* The trunks' registrations (borrowed array of sip_ua_registration). */
const GPtrArray *sip_ua_registrations(const sip_ua *ua);

/* Calls. The UA routes the dialog's and transaction's events to the call. */
/* Sends an INVITE for call C; returns the dialog handle or 0. */
guint sip_ua_invite(sip_ua *ua, call *c, const char *request_uri, const char *from_domain,
                    const sip_addr *next_hop, const char *sdp);
/* Answers server transaction TXN; returns the dialog handle a 1xx/2xx to an
 * INVITE created, else 0. HEADERS: NULL-terminated name, value pairs. */
guint sip_ua_respond(sip_ua *ua, guint txn, guint status, const char *reason,
                     const char *const *headers, const char *content_type, const char *body);
void sip_ua_cancel(sip_ua *ua, guint dialog);
void sip_ua_bye(sip_ua *ua, guint dialog);
/* BYE with a Reason header value (RFC 3326), or none when REASON is NULL. */
void sip_ua_bye_reason(sip_ua *ua, guint dialog, const char *reason);
void sip_ua_info_dtmf(sip_ua *ua, guint dialog, char digit, guint duration_ms);
/* The INVITE transaction TXN belongs to call C (its CANCEL reaches C). */
void sip_ua_bind_transaction(sip_ua *ua, guint txn, call *c);
/* C is gone: forget its handles. */
void sip_ua_forget_call(sip_ua *ua, call *c);

/* Does SIP listen on loopback addresses only? */
gboolean sip_ua_loopback_only(const sip_ua *ua);
/* Would a request to HOST:PORT (an IP address) reach one of our own SIP
 * listeners? (Loop prevention for the dial plan.) */
gboolean sip_ua_is_own_address(const sip_ua *ua, const char *host, guint16 port);
/* Our SIP host for KIND (the listener's address). */
const char *sip_ua_local_host(const sip_ua *ua, sip_transport_kind kind);
/* The address RTP toward SIP uses ([sip] media-address, or the UDP
 * listener's). */
const char *sip_ua_media_address(const sip_ua *ua);
void sip_ua_rtp_ports(const sip_ua *ua, guint16 *min, guint16 *max);

/* Registers the page's address of record AOR upstream (through PROXY,
 * "IP:PORT", or the AOR's host) so that calls to it reach USER at the
 * gateway. Returns the handle or 0 with *REASON. */
guint sip_ua_register_user(sip_ua *ua, browser_conn *conn, const char *user, const char *aor,
                           const char *auth_user, const char *password, const char *proxy,
                           const char **reason);
void sip_ua_unregister_user(sip_ua *ua, guint handle);
