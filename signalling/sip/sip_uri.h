/* SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966) as slices.
 *
 * sip_uri_parse splits a URI without copying: every field points into the
 * text given. Escapes are kept as written (compare users after
 * sip_unescape); host names keep their case (compare them
 * case-insensitively). Any other scheme parses as an opaque URI so that the
 * caller can answer 416 Unsupported URI Scheme. */
#pragma once
#include "signalling/sip/sip_text.h"

typedef enum {
  SIP_URI_SIP,
  SIP_URI_SIPS,
  SIP_URI_TEL,
  SIP_URI_OTHER,
} sip_uri_scheme;

typedef struct {
  sip_uri_scheme scheme;
  sip_slice scheme_text;  /* as written ("SIP", "sips", "soap.beep") */
  sip_slice opaque;       /* everything after "scheme:" */
  sip_slice user;         /* escaped as written; tel: the subscriber number */
  sip_slice password;     /* with has_password */
  gboolean has_password;
  sip_slice host;         /* an IPv6 reference without its brackets */
  gboolean host_ipv6;
  guint16 port;           /* 0 without has_port */
  gboolean has_port;
  sip_slice params;       /* ";transport=tcp;lr" from the first ';', or empty */
  sip_slice headers;      /* after '?' ("Route=%3Csip:x%3E"), or empty */
  gboolean has_headers;
} sip_uri;

/* Parses TEXT (no surrounding LWS or angle brackets) into *OUT.
 * Returns 0, or -EBADMSG with *REASON (may be NULL) a static sentence. */
int sip_uri_parse(sip_slice text, sip_uri *out, const char **reason);

/* Is TEXT shaped like an absolute URI ("scheme:" then no white space or
 * control character)? The check the Request-Line gets before the scheme is
 * looked at. */
gboolean sip_uri_is_absolute(sip_slice text);

/* URI parameter NAME (case-insensitive); see sip_params_get. */
gboolean sip_uri_param(const sip_uri *uri, const char *name, sip_slice *value);

/* Is URI a sip: or sips: URI? */
static inline gboolean
sip_uri_is_sip(const sip_uri *uri)
{
  return uri->scheme == SIP_URI_SIP || uri->scheme == SIP_URI_SIPS;
}
