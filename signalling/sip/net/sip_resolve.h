/* RFC 3263 §4 server location for SIP requests, on GResolver: which
 * transport, IP address and port to send to for a host (and optional port
 * and transport) taken from a SIP URI or an outbound proxy setting.
 *
 *   IP literal                 -> itself, port given or 5060 (5061 for TLS)
 *   name with an explicit port -> A/AAAA of the name, that port
 *   name without a port        -> SRV _sip._udp / _sip._tcp / _sips._tcp
 *                                 (by KIND; all three when KIND is unknown),
 *                                 in priority/weight order (RFC 2782), then
 *                                 A/AAAA of each target;
 *                                 no SRV records: A/AAAA, default port.
 * NAPTR (§4.1) is not queried: GResolver has no NAPTR lookup, and a client
 * that supports UDP, TCP and TLS may go straight to SRV (§4.1, last
 * paragraphs). With KIND unknown, an IP literal, an explicit port or a name
 * without SRV records means UDP (§4.1 for sip: URIs); pass
 * SIP_TRANSPORT_TLS for sips: URIs. With KIND unknown and SRV records, the
 * addresses of _sip._udp come first, then _sip._tcp, then _sips._tcp.
 *
 * SRV is not covered by the unit tests (no DNS server in the test
 * environment); IP literals and names in /etc/hosts are.
 *
 * Main thread; the callback runs on the thread-default GMainContext of the
 * caller, exactly once (also when cancelled: G_IO_ERROR_CANCELLED). */
#pragma once
#include <gio/gio.h>

#include "signalling/sip/sip_stack.h"

/* KIND value for "transport not known". */
#define SIP_RESOLVE_ANY_TRANSPORT ((sip_transport_kind)-1)

/* ADDRS: GArray of sip_addr (connection_id 0) in the order to try; owned by
 * the callback (g_array_unref), NULL on failure. ERROR: borrowed, NULL on
 * success (then ADDRS holds at least one address). */
typedef void (*sip_resolve_callback)(GArray *addrs, const GError *error, gpointer user_data);

/* Starts resolving HOST (a name or an IP literal, IPv6 with or without
 * brackets). PORT 0: unknown. KIND: a transport or SIP_RESOLVE_ANY_TRANSPORT.
 * CANCELLABLE may be NULL. */
void sip_resolve_async(const char *host, guint16 port, sip_transport_kind kind,
                       GCancellable *cancellable, sip_resolve_callback callback,
                       gpointer user_data);

/* Default port of KIND: 5061 for TLS, 5060 otherwise. */
guint16 sip_resolve_default_port(sip_transport_kind kind);
