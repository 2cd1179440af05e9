/* Configuration: schema, loading, overrides, validation (see config.h). */
#define G_LOG_DOMAIN "rtc2sip-config"
#include "gateway/config.h"

#include "certs/fingerprint.h"
#include "gateway/dialplan.h"
#include "signalling/browser/browser_origin.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

/* Every key the gateway reads. Keep docs/configuration.md in step. */
const config_key config_schema[] = {
  { "general", "state-dir", CONFIG_PATH, "", 0, 0, NULL, FALSE,
    "Folder for the gateway's identity and other state; empty means $XDG_STATE_HOME/rtc2sip "
    "(~/.local/state/rtc2sip). Created with mode 0700." },
  { "general", "certificate", CONFIG_PATH, "", 0, 0, NULL, FALSE,
    "PEM certificate to use as the gateway identity instead of the generated one "
    "(needs private-key too)." },
  { "general", "private-key", CONFIG_PATH, "", 0, 0, NULL, FALSE,
    "PEM private key of `certificate`." },
  { "http", "listen", CONFIG_LISTEN, "127.0.0.1:8080", 0, 0, NULL, FALSE,
    "Address and port of the page's HTTP listener (the page, /ws). Port 0 picks a free port." },
  { "http", "allowed-origins", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "Comma-separated page origins (scheme://host[:port]) allowed to open the WebSocket, or *; "
    "others get HTTP 403. Empty: the gateway's own origin, derived from listen (docs/auth.md)." },
  { "http", "certificate", CONFIG_PATH, "", 0, 0, NULL, FALSE,
    "PEM certificate (chain) of the page listener; with private-key, the page and /ws are served "
    "over HTTPS and WSS only, on the same port. Read again on SIGHUP." },
  { "http", "private-key", CONFIG_PATH, "", 0, 0, NULL, FALSE,
    "PEM private key of http.certificate (unencrypted). Its content is never logged." },
  { "http", "allow-insecure", CONFIG_BOOL, "false", 0, 0, NULL, FALSE,
    "Allow listen on a non-loopback address without TLS (no http.certificate): only behind a "
    "reverse proxy that terminates TLS. Logged as a warning at start." },
  { "http", "document-root", CONFIG_PATH, "", 0, 0, NULL, FALSE,
    "Folder served over HTTP; empty means the installed web/www, or the source tree's." },
  { "admin", "listen", CONFIG_LISTEN, "127.0.0.1:8081", 0, 0, NULL, FALSE,
    "Address and port of the admin API, metrics and dashboard (separate from the page)." },
  { "admin", "token", CONFIG_STRING, "", 0, 0, NULL, TRUE,
    "Bearer token every admin request needs. Empty: a random one is generated at first start and "
    "kept in the state folder (admin-token, mode 0600)." },
  { "browser", "auth", CONFIG_ENUM, "none", 0, 0, "none,token,sip", FALSE,
    "How pages prove who they are: none (anyone who reaches the page listener; loopback only), "
    "token: hello must carry EXPIRY:USER:SIG signed with browser.secret, or sip: the page must "
    "register with SIP credentials that browser.registrar accepts before it may call (docs/auth.md)." },
  { "browser", "registrar", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "With auth = sip: the trunk whose registrar checks the pages' credentials ([trunk:NAME]: its "
    "address and domain)." },
  { "browser", "secret", CONFIG_STRING, "", 0, 0, NULL, TRUE,
    "HMAC-SHA256 key for auth = token, shared with the website that mints tokens (16 bytes or more)." },
  { "browser", "token-leeway", CONFIG_UINT, "30", 0, 3600, NULL, FALSE,
    "Seconds a token is still accepted after its expiry (clock skew)." },
  { "browser", "max-message-bytes", CONFIG_UINT, "65536", 1024, 1048576, NULL, FALSE,
    "Largest WebSocket message a page may send; larger ones get an error." },
  { "browser", "max-calls", CONFIG_UINT, "4", 1, 1000, NULL, FALSE,
    "Calls open at once on one WebSocket connection." },
  { "browser", "messages-per-second", CONFIG_UINT, "50", 1, 100000, NULL, FALSE,
    "Messages a page may send per second (bursts of twice that); excess gets a busy error." },
  { "ice", "interfaces", CONFIG_LIST, "127.0.0.1", 0, 0, "", FALSE,
    "Local IP addresses to offer ICE host candidates on (comma-separated); \"all\" uses every "
    "interface." },
  { "ice", "port-min", CONFIG_UINT, "0", 0, 65535, NULL, FALSE,
    "Lowest UDP port for ICE candidates (0 with port-max 0: any port)." },
  { "ice", "port-max", CONFIG_UINT, "0", 0, 65535, NULL, FALSE,
    "Highest UDP port for ICE candidates." },
  { "ice", "stun-server", CONFIG_LISTEN, "", 0, 0, NULL, FALSE,
    "STUN server as IP:PORT for server-reflexive candidates; also given to pages. Empty: none." },
  { "ice", "turn-server", CONFIG_LISTEN, "", 0, 0, NULL, FALSE,
    "TURN server (UDP) as IP:PORT for relayed candidates. Empty: none." },
  { "ice", "turn-username", CONFIG_STRING, "", 0, 0, NULL, FALSE, "TURN user name." },
  { "ice", "turn-password", CONFIG_STRING, "", 0, 0, NULL, TRUE, "TURN password." },
  { "ice", "consent-freshness", CONFIG_BOOL, "true", 0, 0, NULL, FALSE,
    "RFC 7675 consent checks: a browser that stops answering ends its call within 30 s." },
  { "ice", "handover", CONFIG_BOOL, "true", 0, 0, NULL, FALSE,
    "Once ICE completed on a UDP pair that is not relayed, the media worker takes the socket over "
    "from libnice and answers and sends the pair's STUN itself (less CPU and memory per call)." },
  { "limits", "calls-per-minute-per-user", CONFIG_UINT, "10", 0, 100000, NULL, FALSE,
    "Calls one token user may start in any 60 s (auth = token; 0: no limit); more get a busy error." },
  { "limits", "concurrent-calls-per-user", CONFIG_UINT, "2", 0, 100000, NULL, FALSE,
    "Calls one token user may have open at once, over all their pages (auth = token; 0: no limit)." },
  { "limits", "connections-per-address", CONFIG_UINT, "20", 0, 100000, NULL, FALSE,
    "WebSocket connections open at once from one IP address (not with auth = none; 0: no limit)." },
  { "limits", "connections-per-user", CONFIG_UINT, "10", 0, 100000, NULL, FALSE,
    "WebSocket connections one authenticated user may have open at once (0: no limit)." },
  { "limits", "calls-per-minute-per-address", CONFIG_UINT, "60", 0, 100000, NULL, FALSE,
    "Calls pages at one IP address may start in any 60 s (not with auth = none; 0: no limit)." },
  { "limits", "concurrent-calls-per-address", CONFIG_UINT, "20", 0, 100000, NULL, FALSE,
    "Calls pages at one IP address may have open at once (not with auth = none; 0: no limit)." },
  { "limits", "sip-invites-per-minute-per-address", CONFIG_UINT, "60", 0, 1000000, NULL, FALSE,
    "New INVITEs one untrusted SIP source (not in sip.trusted, not a trunk) may send in any 60 s; "
    "more get 503 (0: no limit)." },
  { "limits", "table-size", CONFIG_UINT, "65536", 16, 10000000, NULL, FALSE,
    "Most users the limit table tracks at once; when full, new users are refused (docs/auth.md)." },
  { "media", "threads", CONFIG_UINT, "0", 0, 256, NULL, FALSE,
    "Media worker threads; 0 means one per core." },
  { "media", "worker-fill", CONFIG_UINT, "200", 0, 1000000, NULL, FALSE,
    "New calls go to the first media worker carrying fewer than this many calls, then (all that "
    "full) to the least loaded: fewer wake-ups per packet while the load is light. 0: always "
    "the least loaded." },
  { "media", "rtp-ports", CONFIG_STRING, "20000-29999", 0, 0, NULL, FALSE,
    "UDP port range MIN-MAX for RTP and RTCP toward SIP (an even RTP port and the next one)." },
  { "media", "rtp-timeout", CONFIG_UINT, "60", 0, 86400, NULL, FALSE,
    "Seconds without a media packet from either side before a call ends; 0: never." },
  { "sip", "key-exchange", CONFIG_LIST, "sdes, dtls-srtp, rtp", 0, 0, "sdes,dtls-srtp,rtp", FALSE,
    "SRTP key exchange toward SIP, in priority order (reference page rules): offers carry every "
    "listed encrypted mechanism; incoming offers get the first listed one they support; without "
    "rtp, unencrypted offers get 488." },
  { "sip", "sdes-suites", CONFIG_LIST, "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32", 0, 0,
    "AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32,AES_192_CM_HMAC_SHA1_80,AES_192_CM_HMAC_SHA1_32,"
    "AES_256_CM_HMAC_SHA1_80,AES_256_CM_HMAC_SHA1_32,AES_CM_256_HMAC_SHA1_80,AEAD_AES_128_GCM,AEAD_AES_256_GCM",
    FALSE, "SDES crypto suites our offers carry, in this order (one a=crypto line each)." },
  { "sip", "trusted", CONFIG_LIST, "127.0.0.0/8, ::1/128", 0, 0, "", FALSE,
    "Networks (CIDR, comma-separated) whose SIP requests are trusted like a trunk's: exempt from "
    "limits.sip-invites-per-minute-per-address. Empty: only the trunks' addresses." },
  { "sip", "media-address", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "IP address for RTP toward SIP (bound and written in SDP); empty: the UDP listener's." },
  { "sip", "listen", CONFIG_STRING, "udp:127.0.0.1:5060, tcp:127.0.0.1:5060, tls:127.0.0.1:5061", 0, 0,
    NULL, FALSE,
    "SIP listeners, comma-separated TRANSPORT:HOST:PORT (udp, tcp, tls; IPv6 in brackets; port 0 picks "
    "one). TLS uses the gateway identity." },
  { "trunk:*", "address", CONFIG_LISTEN, "", 0, 0, NULL, FALSE,
    "The trunk's (or PBX's) SIP address as IP:PORT: where requests for it are sent." },
  { "trunk:*", "transport", CONFIG_ENUM, "udp", 0, 0, "udp,tcp,tls", FALSE,
    "SIP transport toward the trunk." },
  { "trunk:*", "tls-verify", CONFIG_BOOL, "true", 0, 0, NULL, FALSE,
    "With transport tls: check the trunk's certificate against the system trust store and its name." },
  { "trunk:*", "tls-fingerprint", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "With transport tls: accept exactly the certificate with this fingerprint (\"sha-256 AB:…\") "
    "instead of a CA check." },
  { "trunk:*", "tls-server-name", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "With transport tls: the name to ask for (SNI) and check; empty: the domain." },
  { "trunk:*", "from-user", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "User part of From on calls to the trunk; empty: the page's user, or rtc2sip." },
  { "trunk:*", "key-exchange", CONFIG_LIST, "", 0, 0, "sdes,dtls-srtp,rtp", FALSE,
    "Like sip.key-exchange, for this trunk; empty: sip.key-exchange." },
  { "trunk:*", "sdes-suites", CONFIG_LIST, "", 0, 0,
    "AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32,AES_192_CM_HMAC_SHA1_80,AES_192_CM_HMAC_SHA1_32,"
    "AES_256_CM_HMAC_SHA1_80,AES_256_CM_HMAC_SHA1_32,AES_CM_256_HMAC_SHA1_80,AEAD_AES_128_GCM,AEAD_AES_256_GCM",
    FALSE, "Like sip.sdes-suites, for this trunk; empty: sip.sdes-suites." },
  { "trunk:*", "dtmf", CONFIG_ENUM, "rfc4733", 0, 0, "rfc4733,info", FALSE,
    "How the page's digits go to the trunk: RFC 4733 events in the media, or SIP INFO." },
  { "trunk:*", "domain", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "SIP domain of the account (registrar and From host); empty: the address's host." },
  { "trunk:*", "register", CONFIG_BOOL, "false", 0, 0, NULL, FALSE,
    "Register username@domain with the trunk (false: IP-authenticated trunk)." },
  { "trunk:*", "username", CONFIG_STRING, "", 0, 0, NULL, FALSE, "SIP user of the account." },
  { "trunk:*", "auth-username", CONFIG_STRING, "", 0, 0, NULL, FALSE,
    "Digest user name when it differs from username." },
  { "trunk:*", "password", CONFIG_STRING, "", 0, 0, NULL, TRUE, "Digest password." },
  { "trunk:*", "max-calls", CONFIG_UINT, "0", 0, 1000000, NULL, FALSE,
    "Calls open at once through this trunk, both directions (0: no limit); more get busy or 503." },
  { "trunk:*", "calls-per-second", CONFIG_UINT, "0", 0, 100000, NULL, FALSE,
    "New calls per second through this trunk, both directions (0: no limit); more get busy or 503." },
  { "trunk:*", "expires", CONFIG_UINT, "3600", 60, 86400, NULL, FALSE,
    "Registration lifetime to ask for, in seconds." },
  { "route", "rules", CONFIG_LIST, "", 0, 0, "", FALSE,
    "Dial plan, comma-separated PATTERN=TRUNK or PATTERN=deny, first match wins: a number prefix "
    "(\"+49=office\"), NUMBER$ for exactly that number, \"@domain\" for SIP URIs of that domain, "
    "\"*\" for everything. Numbers no rule matches are refused (forbidden)." },
  { "route", "allow-direct", CONFIG_ENUM, "auto", 0, 0, "auto,true,false", FALSE,
    "May pages call SIP URIs that no rule matches, straight to their host? auto: only while both "
    "SIP and the page listener are on loopback." },
  { "call", "ring-timeout", CONFIG_UINT, "60", 1, 3600, NULL, FALSE,
    "Seconds a call from SIP rings on the page before it is answered 480." },
  { "trace", "dtls", CONFIG_BOOL, "false", 0, 0, NULL, FALSE,
    "Log every DTLS handshake step in the DTLS.SRTP.<n> trace format, on both sides (also "
    "switched at run time by the admin API)." },
  { "trace", "dtls-sip", CONFIG_BOOL, "false", 0, 0, NULL, FALSE,
    "Trace the DTLS of SIP legs only (DTLS.SRTP.<n> and DTLS.SRTCP.<n>)." },
  { "trace", "dtls-browser", CONFIG_BOOL, "false", 0, 0, NULL, FALSE,
    "Trace the DTLS of browser legs only." },
  { NULL, NULL, 0, NULL, 0, 0, NULL, FALSE, NULL },
};

struct config {
  /* section name -> (key -> value); only values set by a file or --set. */
  GHashTable *sections;
  GPtrArray *section_order; /* names in first-seen order, for printing */
};

config *
config_new_defaults(void)
{
  config *cfg = g_new0(config, 1);
  cfg->sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)g_hash_table_unref);
  cfg->section_order = g_ptr_array_new_with_free_func(g_free);
  return cfg;
}

void
config_free(config *cfg)
{
  if (!cfg)
    return;
  g_hash_table_unref(cfg->sections);
  g_ptr_array_unref(cfg->section_order);
  g_free(cfg);
}

static void
config_put(config *cfg, const char *section, const char *key, const char *value)
{
  GHashTable *keys = g_hash_table_lookup(cfg->sections, section);
  if (!keys) {
    keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(cfg->sections, g_strdup(section), keys);
    g_ptr_array_add(cfg->section_order, g_strdup(section));
  }
  g_hash_table_replace(keys, g_strdup(key), g_strdup(value));
}

/* Does the schema section PATTERN cover SECTION? */
static gboolean
section_matches(const char *pattern, const char *section)
{
  gsize n = strlen(pattern);
  if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == ':')
    return strncmp(pattern, section, n - 1) == 0 && section[n - 1] != '\0';
  return strcmp(pattern, section) == 0;
}

static const config_key *
schema_lookup(const char *section, const char *key)
{
  for (const config_key *k = config_schema; k->section; k++)
    if (section_matches(k->section, section) && strcmp(k->key, key) == 0)
      return k;
  return NULL;
}

static gboolean
schema_has_section(const char *section)
{
  for (const config_key *k = config_schema; k->section; k++)
    if (section_matches(k->section, section))
      return TRUE;
  return FALSE;
}

gboolean
config_load_file(config *cfg, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, CONFIG_ERROR, 1, "%s: %s", path, local->message);
    return FALSE;
  }
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (guint i = 0; groups[i]; i++) {
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
    for (guint j = 0; keys && keys[j]; j++) {
      g_autofree char *raw = g_key_file_get_value(kf, groups[i], keys[j], NULL);
      /* Unescape like GKeyFile strings (\n, \s…) but keep everything else. */
      g_autofree char *value = g_key_file_get_string(kf, groups[i], keys[j], NULL);
      config_put(cfg, groups[i], keys[j], value ? value : raw);
    }
  }
  return TRUE;
}

gboolean
config_set_override(config *cfg, const char *assignment, GError **error)
{
  const char *eq = strchr(assignment, '=');
  if (!eq) {
    g_set_error(error, CONFIG_ERROR, 1, "--set %s: expected section.key=value", assignment);
    return FALSE;
  }
  g_autofree char *name = g_strndup(assignment, eq - assignment);
  char *dot = strrchr(name, '.');
  if (!dot || dot == name || dot[1] == '\0') {
    g_set_error(error, CONFIG_ERROR, 1, "--set %s: expected section.key=value", assignment);
    return FALSE;
  }
  *dot = '\0';
  g_autofree char *value = g_strstrip(g_strdup(eq + 1));
  config_put(cfg, g_strstrip(name), g_strstrip(dot + 1), value);
  return TRUE;
}

/* Letters, digits, dots and hyphens: a DNS name good enough to resolve. */
static gboolean
is_host_name(const char *h)
{
  if (!*h || strlen(h) > 253)
    return FALSE;
  for (const char *p = h; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

gboolean
config_parse_listen(const char *text, char **host, guint16 *port, const char **reason)
{
  const char *colon;
  g_autofree char *h = NULL;

  if (text[0] == '[') {
    const char *close = strchr(text, ']');
    if (!close || close[1] != ':') {
      *reason = "expected [IPV6-ADDRESS]:PORT";
      return FALSE;
    }
    h = g_strndup(text + 1, close - text - 1);
    colon = close + 1;
    if (!g_hostname_is_ip_address(h) || !strchr(h, ':')) {
      *reason = "not an IPv6 address inside the brackets";
      return FALSE;
    }
  } else {
    colon = strrchr(text, ':');
    if (!colon || colon == text) {
      *reason = "expected HOST:PORT (e.g. 127.0.0.1:8080)";
      return FALSE;
    }
    h = g_strndup(text, colon - text);
    if (strchr(h, ':')) {
      *reason = "an IPv6 address needs brackets: [::1]:8080";
      return FALSE;
    }
    if (!g_hostname_is_ip_address(h) && !is_host_name(h)) {
      *reason = "not an address or host name";
      return FALSE;
    }
  }
  const char *digits = colon + 1;
  char *end = NULL;
  errno = 0;
  guint64 p = g_ascii_strtoull(digits, &end, 10);
  if (!*digits || *end || errno || p > 65535 || !g_ascii_isdigit(*digits)) {
    *reason = "port must be a number from 0 to 65535";
    return FALSE;
  }
  if (host)
    *host = g_steal_pointer(&h);
  if (port)
    *port = (guint16)p;
  return TRUE;
}

/* Checks VALUE against K; returns a static or allocated reason or NULL. */
static char *
check_value(const config_key *k, const char *value)
{
  switch (k->type) {
  case CONFIG_STRING:
  case CONFIG_PATH:
    return NULL;
  case CONFIG_BOOL:
    if (!g_ascii_strcasecmp(value, "true") || !g_ascii_strcasecmp(value, "false") ||
        !g_ascii_strcasecmp(value, "yes") || !g_ascii_strcasecmp(value, "no") ||
        !strcmp(value, "1") || !strcmp(value, "0"))
      return NULL;
    return g_strdup("expected true or false");
  case CONFIG_UINT: {
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(value, &end, 10);
    if (!*value || *end || errno || !g_ascii_isdigit(*value))
      return g_strdup("expected a whole number");
    if (v < k->min || v > k->max)
      return g_strdup_printf("must be from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, k->min, k->max);
    return NULL;
  }
  case CONFIG_LISTEN: {
    const char *reason = NULL;
    if (!*value && !*k->default_value)
      return NULL; /* optional address left empty */
    if (!config_parse_listen(value, NULL, NULL, &reason))
      return g_strdup(reason);
    return NULL;
  }
  case CONFIG_ENUM:
  case CONFIG_LIST: {
    g_auto(GStrv) allowed = g_strsplit(k->choices ? k->choices : "", ",", -1);
    g_auto(GStrv) words = k->type == CONFIG_ENUM ? g_strsplit(value, "\x01", -1)
                                                 : g_strsplit(value, ",", -1);
    if (!k->choices || !*k->choices)
      return NULL;
    for (guint i = 0; words[i]; i++) {
      g_strstrip(words[i]);
      if (!*words[i] && k->type == CONFIG_LIST)
        continue;
      if (!g_strv_contains((const char *const *)allowed, words[i]))
        return g_strdup_printf("\"%s\" is not one of: %s", words[i], k->choices);
    }
    return NULL;
  }
  }
  return NULL;
}

gboolean
config_listen_is_loopback(const char *listen)
{
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason = NULL;
  if (!config_parse_listen(listen, &host, &port, &reason))
    return TRUE; /* reported as a bad listen value instead */
  if (!g_ascii_strcasecmp(host, "localhost"))
    return TRUE;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host);
  return address && g_inet_address_get_is_loopback(address);
}

gboolean
config_validate(const config *cfg, char **problems)
{
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < cfg->section_order->len; i++) {
    const char *section = cfg->section_order->pdata[i];
    GHashTable *keys = g_hash_table_lookup(cfg->sections, section);
    if (!schema_has_section(section)) {
      g_string_append_printf(out, "%s: unknown section\n", section);
      continue;
    }
    g_autofree const char **names = (const char **)g_hash_table_get_keys_as_array(keys, NULL);
    guint n = g_hash_table_size(keys);
    qsort(names, n, sizeof *names, (int (*)(const void *, const void *))g_strcmp0);
    for (guint j = 0; j < n; j++) {
      const config_key *k = schema_lookup(section, names[j]);
      if (!k) {
        g_string_append_printf(out, "%s.%s: unknown key\n", section, names[j]);
        continue;
      }
      g_autofree char *reason = check_value(k, g_hash_table_lookup(keys, names[j]));
      if (reason)
        g_string_append_printf(out, "%s.%s: %s\n", section, names[j], reason);
    }
  }
  /* Pairs that only make sense together. */
  if ((*config_get_string(cfg, "general", "certificate") != '\0') !=
      (*config_get_string(cfg, "general", "private-key") != '\0'))
    g_string_append(out, "general.certificate: needs general.private-key too (and the reverse)\n");

  if (!strcmp(config_get_string(cfg, "browser", "auth"), "sip")) {
    const char *registrar = config_get_string(cfg, "browser", "registrar");
    g_autofree char *section = g_strdup_printf("trunk:%s", registrar);
    if (!*registrar || !*config_get_string(cfg, section, "address"))
      g_string_append(out, "browser.registrar: auth = sip needs the name of a [trunk:NAME] with an address, "
                           "whose registrar checks the pages' SIP credentials\n");
  }
  if (!strcmp(config_get_string(cfg, "browser", "auth"), "token") &&
      strlen(config_get_string(cfg, "browser", "secret")) < 16)
    g_string_append(out, "browser.secret: auth = token needs a secret of 16 bytes or more\n");
  gboolean http_certificate = *config_get_string(cfg, "http", "certificate") != '\0';
  gboolean http_private_key = *config_get_string(cfg, "http", "private-key") != '\0';
  if (http_certificate && !http_private_key)
    g_string_append(out, "http.private-key: http.certificate needs its private key too (both or neither)\n");
  if (http_private_key && !http_certificate)
    g_string_append(out, "http.certificate: http.private-key needs its certificate too (both or neither)\n");
  /* Exposed listeners (docs/auth.md): browsers give pages the microphone only
   * on a secure origin, and an open gateway is a toll-fraud machine. */
  if (!config_listen_is_loopback(config_get_string(cfg, "http", "listen"))) {
    if (!(http_certificate && http_private_key) && !config_get_bool(cfg, "http", "allow-insecure"))
      g_string_append(out, "http.listen: not a loopback address, and the page listener has no TLS: browsers "
                           "give a page the microphone only on a secure origin (https, or localhost), and "
                           "tokens would cross the network in clear. Set http.certificate and "
                           "http.private-key (PEM files) to serve https; behind a reverse proxy that "
                           "terminates TLS, set http.allow-insecure = true instead; or listen on "
                           "127.0.0.1\n");
    if (!strcmp(config_get_string(cfg, "browser", "auth"), "none"))
      g_string_append(out, "browser.auth: none lets anyone who reaches http.listen (not a loopback address) "
                           "call through your trunks; set browser.auth = token and browser.secret\n");
  }
  g_auto(GStrv) origins = g_strsplit(config_get_string(cfg, "http", "allowed-origins"), ",", -1);
  g_autoptr(browser_origin_policy) policy = browser_origin_policy_new();
  for (guint i = 0; origins[i]; i++) {
    const char *reason = NULL;
    char *entry = g_strstrip(origins[i]);
    if (*entry && browser_origin_policy_allow(policy, entry, &reason) < 0)
      g_string_append_printf(out, "http.allowed-origins: \"%s\": %s\n", entry, reason);
  }
  g_auto(GStrv) trunks = config_sections_with_prefix(cfg, "trunk");
  for (guint i = 0; trunks[i]; i++) {
    g_autofree char *section = g_strdup_printf("trunk:%s", trunks[i]);
    const char *pin = config_get_string(cfg, section, "tls-fingerprint");
    fingerprint fp;
    const char *reason = NULL;
    if (*pin && fingerprint_parse(pin, strlen(pin), &fp, &reason) < 0)
      g_string_append_printf(out, "%s.tls-fingerprint: %s\n", section, reason);
    if (!*config_get_string(cfg, section, "address"))
      g_string_append_printf(out, "%s.address: every trunk needs an address (IP:PORT)\n", section);
  }
  g_auto(GStrv) rules = config_get_list(cfg, "route", "rules");
  g_autofree char *rules_problem = NULL;
  g_autoptr(dialplan) plan = dialplan_new((const char *const *)rules, (const char *const *)trunks, &rules_problem);
  if (!plan)
    g_string_append_printf(out, "route.rules: %s\n", rules_problem);
  g_auto(GStrv) trusted = config_get_list(cfg, "sip", "trusted");
  for (guint i = 0; trusted[i]; i++) {
    g_autoptr(GInetAddressMask) mask = g_inet_address_mask_new_from_string(trusted[i], NULL);
    if (!mask)
      g_string_append_printf(out, "sip.trusted: \"%s\" is not a network (CIDR, like 192.0.2.0/24 or 2001:db8::/32)\n",
                             trusted[i]);
  }
  if (config_get_uint(cfg, "ice", "port-min") > config_get_uint(cfg, "ice", "port-max"))
    g_string_append(out, "ice.port-min: must not be above ice.port-max\n");

  if (problems)
    *problems = out->len ? g_strdup(out->str) : NULL;
  return out->len == 0;
}

static const char *
lookup_value(const config *cfg, const char *section, const char *key)
{
  GHashTable *keys = g_hash_table_lookup(cfg->sections, section);
  return keys ? g_hash_table_lookup(keys, key) : NULL;
}

const char *
config_get_string(const config *cfg, const char *section, const char *key)
{
  const config_key *k = schema_lookup(section, key);
  g_return_val_if_fail(k != NULL, "");
  const char *v = lookup_value(cfg, section, key);
  return v ? v : k->default_value;
}

gboolean
config_get_bool(const config *cfg, const char *section, const char *key)
{
  const char *v = config_get_string(cfg, section, key);
  return !g_ascii_strcasecmp(v, "true") || !g_ascii_strcasecmp(v, "yes") || !strcmp(v, "1");
}

guint64
config_get_uint(const config *cfg, const char *section, const char *key)
{
  return g_ascii_strtoull(config_get_string(cfg, section, key), NULL, 10);
}

char **
config_get_list(const config *cfg, const char *section, const char *key)
{
  g_auto(GStrv) words = g_strsplit(config_get_string(cfg, section, key), ",", -1);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  for (guint i = 0; words[i]; i++) {
    g_strstrip(words[i]);
    if (*words[i])
      g_strv_builder_add(b, words[i]);
  }
  return g_strv_builder_end(b);
}

char **
config_sections_with_prefix(const config *cfg, const char *prefix)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  gsize n = strlen(prefix);
  for (guint i = 0; i < cfg->section_order->len; i++) {
    const char *s = cfg->section_order->pdata[i];
    if (strncmp(s, prefix, n) == 0 && s[n] == ':' && s[n + 1])
      g_strv_builder_add(b, s + n + 1);
  }
  return g_strv_builder_end(b);
}

/* Appends SECTION's keys: the schema's in order, then unknown ones. */
static void
print_section(const config *cfg, GString *out, const char *section, const char *pattern)
{
  g_string_append_printf(out, "[%s]\n", section);
  for (const config_key *k = config_schema; k->section; k++) {
    if (strcmp(k->section, pattern) != 0)
      continue;
    const char *v = lookup_value(cfg, section, k->key);
    if (!v)
      v = k->default_value;
    g_string_append_printf(out, "# %s\n%s = %s\n", k->description, k->key,
                           k->secret && *v ? "(secret)" : v);
  }
  g_string_append_c(out, '\n');
}

char *
config_to_string(const config *cfg)
{
  GString *out = g_string_new("# rtc2sip effective configuration\n\n");
  const char *last = NULL;
  for (const config_key *k = config_schema; k->section; k++) {
    if (last && strcmp(last, k->section) == 0)
      continue;
    last = k->section;
    gsize n = strlen(k->section);
    if (k->section[n - 1] == '*') {
      g_autofree char *prefix = g_strndup(k->section, n - 2);
      g_auto(GStrv) names = config_sections_with_prefix(cfg, prefix);
      for (guint i = 0; names[i]; i++) {
        g_autofree char *full = g_strdup_printf("%s:%s", prefix, names[i]);
        print_section(cfg, out, full, k->section);
      }
    } else {
      print_section(cfg, out, k->section, k->section);
    }
  }
  return g_string_free(out, FALSE);
}
