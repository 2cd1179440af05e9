/* The gateway's SIP user agent: the sans-IO SIP stack (signalling/sip/)
 * driven by the transports (signalling/sip/net/) on the main loop, the
 * trunks' registrations, and the SIP side of calls. Main thread only. */
#pragma once
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

/* The trunks' registrations (borrowed array of sip_ua_registration). */
const GPtrArray *sip_ua_registrations(const sip_ua *ua);
