/* DTLS session resumption: resume data, the server's session cache and the
 * GnuTLS 3.7.9 use_srtp work-around.
 *
 * The GnuTLS bug. GnuTLS packs a session (gnutls_session_get_data2, the
 * db-store callback, tickets) as: magic, timestamps, auth info, security
 * parameters, then the hello-extension section: u32 count, and per
 * extension u32 internal id, u32 size, data. The unpacker checks that each
 * extension's unpack function reads exactly "size" bytes. For use_srtp
 * (lib/ext/srtp.c) the two disagree:
 *   _gnutls_srtp_pack:   n, profile[n], mki_received, [selected, u32 len, mki]
 *   _gnutls_srtp_unpack: n, profile[n], selected, mki_received, [len, mki]
 * Without an MKI the packed record lacks the selected profile entirely, the
 * unpacker reads 4 bytes more than the record holds, and the whole unpack
 * fails with GNUTLS_E_PARSING_ERROR: a client's gnutls_session_set_data
 * fails, a server's cache lookup silently gives a full handshake.
 *
 * The work-around: before the blob leaves GnuTLS (client: get_data2; server:
 * the store callback) we rewrite that one record into the order the
 * unpacker reads, inserting the selected profile (known from the session
 * that is being stored) and fixing the record's size. With an MKI (never
 * negotiated by us) the two words are swapped. Nothing else is touched, so
 * a GnuTLS whose pack/unpack agree would need the reverse: the fix is only
 * applied when the record has the buggy shape (see fix_srtp_record). */
#define G_LOG_DOMAIN "rtc2sip-dtls"
#include <errno.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "gateway/media/dtls_private.h"
#include "gateway/media/dtls_resume.h"

#define MAX_EXTENSIONS 64
#define SRTP_MAX_PROFILES 4 /* GnuTLS's MAX_SRTP_PROFILES */

static guint32
rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static void
put32(GByteArray *a, guint32 v)
{
  guint8 b[4] = { (guint8)(v >> 24), (guint8)(v >> 16), (guint8)(v >> 8), (guint8)v };
  g_byte_array_append(a, b, 4);
}

/* Is [off, len) a complete extension section (count, then records that end
 * exactly at LEN)? */
static gboolean
is_ext_section(const guint8 *b, gsize off, gsize len)
{
  if (len - off < 4)
    return FALSE;
  guint32 n = rd32(b + off);
  if (n == 0 || n > MAX_EXTENSIONS)
    return FALSE;
  gsize p = off + 4;
  for (guint32 i = 0; i < n; i++) {
    if (len - p < 8)
      return FALSE;
    guint32 size = rd32(b + p + 4);
    if (rd32(b + p) > 0xffff || size > len - p - 8)
      return FALSE;
    p += 8 + size;
  }
  return p == len;
}

/* A use_srtp record as GnuTLS 3.7.9 packs it? Writes the fixed record to
 * OUT and returns TRUE; FALSE when it has another shape. */
static gboolean
fix_srtp_record(const guint8 *d, gsize size, guint32 selected, GByteArray *out)
{
  if (size < 8)
    return FALSE;
  guint32 n = rd32(d);
  if (n == 0 || n > SRTP_MAX_PROFILES || size < 4 + 4 * (gsize)n + 4)
    return FALSE;
  for (guint32 i = 0; i < n; i++) {
    guint32 prof = rd32(d + 4 + 4 * i);
    if (prof == 0 || prof > 0xffff)
      return FALSE;
  }
  const guint8 *rest = d + 4 + 4 * n;
  gsize rest_len = size - 4 - 4 * n;
  guint32 mki_received = rd32(rest);
  if (mki_received == 0 && rest_len == 4) {
    g_byte_array_append(out, d, 4 + 4 * n);
    put32(out, selected);
    put32(out, 0);
    return TRUE;
  }
  if (mki_received == 1 && rest_len >= 12 && rd32(rest + 8) == rest_len - 12) {
    g_byte_array_append(out, d, 4 + 4 * n);
    put32(out, rd32(rest + 4)); /* selected */
    put32(out, 1);
    g_byte_array_append(out, rest + 8, (guint)(rest_len - 8));
    return TRUE;
  }
  return FALSE;
}

static GBytes *
fix_section(const guint8 *blob, gsize len, gsize start, guint32 selected)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new((guint)len + 8);
  g_byte_array_append(out, blob, (guint)start + 4);
  guint32 n = rd32(blob + start);
  gsize p = start + 4;
  guint fixed = 0;
  for (guint32 i = 0; i < n; i++) {
    guint32 id = rd32(blob + p), size = rd32(blob + p + 4);
    const guint8 *d = blob + p + 8;
    put32(out, id);
    guint size_at = out->len;
    put32(out, size);
    if (fixed == 0 && fix_srtp_record(d, size, selected, out)) {
      guint32 nsize = out->len - size_at - 4;
      out->data[size_at] = (guint8)(nsize >> 24);
      out->data[size_at + 1] = (guint8)(nsize >> 16);
      out->data[size_at + 2] = (guint8)(nsize >> 8);
      out->data[size_at + 3] = (guint8)nsize;
      fixed++;
    } else {
      g_byte_array_append(out, d, size);
    }
    p += 8 + size;
  }
  if (fixed == 0)
    return NULL;
  return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* The extension section is the blob's last part (DTLS 1.2 packs nothing
 * after it); everything before it is length-prefixed but version
 * dependent, so we look for the first offset from which a complete section
 * with a use_srtp-shaped record runs exactly to the end. GnuTLS's internal
 * extension id is not public, so use_srtp is recognised by its content: a
 * profile count of 1..4, that many profile numbers and the MKI flag. */
GBytes *
dtls_resume_fix_blob(const guint8 *blob, gsize len, unsigned int selected)
{
  for (gsize off = 9; off + 4 <= len; off++) {
    if (!is_ext_section(blob, off, len))
      continue;
    GBytes *fixed = fix_section(blob, len, off, selected);
    if (fixed)
      return fixed;
  }
  return NULL;
}

/* ---- resume data -------------------------------------------------------- */

#define RESUME_MAGIC "R2S1"

/* The digest lets a corrupted copy fail here (full handshake) instead of
 * in the middle of an abbreviated handshake with a wrong master secret. */
#define RESUME_DIGEST 32

static void
resume_digest(const guint8 *d, gsize n, guint8 out[RESUME_DIGEST])
{
  GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
  gsize len = RESUME_DIGEST;
  g_checksum_update(c, d, (gssize)n);
  g_checksum_get_digest(c, out, &len);
  g_checksum_free(c);
}

GBytes *
dtls_resume_wrap(unsigned int profile, const guint8 *id, gsize id_len, GBytes *blob)
{
  gsize blen;
  const guint8 *b = g_bytes_get_data(blob, &blen);
  GByteArray *a = g_byte_array_sized_new((guint)(6 + id_len + blen + RESUME_DIGEST));
  g_byte_array_append(a, (const guint8 *)RESUME_MAGIC, 4);
  guint8 pr = (guint8)profile;
  g_byte_array_append(a, &pr, 1);
  guint8 l = (guint8)id_len;
  g_byte_array_append(a, &l, 1);
  g_byte_array_append(a, id, (guint)id_len);
  g_byte_array_append(a, b, (guint)blen);
  guint8 digest[RESUME_DIGEST];
  resume_digest(a->data, a->len, digest);
  g_byte_array_append(a, digest, RESUME_DIGEST);
  return g_byte_array_free_to_bytes(a);
}

gboolean
dtls_resume_unwrap(GBytes *data, unsigned int *profile, const guint8 **id, gsize *id_len,
                   const guint8 **blob, gsize *blob_len)
{
  gsize n = 0;
  const guint8 *d = data ? g_bytes_get_data(data, &n) : NULL;
  if (!d || n < 6 + RESUME_DIGEST)
    return FALSE;
  n -= RESUME_DIGEST;
  guint8 digest[RESUME_DIGEST];
  resume_digest(d, n, digest);
  if (memcmp(digest, d + n, RESUME_DIGEST) != 0 || memcmp(d, RESUME_MAGIC, 4) != 0 ||
      !dtls_resume_profile_ok(d[4]) || d[5] == 0 || d[5] > DTLS_RESUME_MAX_ID || n - 6 <= d[5])
    return FALSE;
  *profile = d[4];
  *id = d + 6;
  *id_len = d[5];
  *blob = d + 6 + d[5];
  *blob_len = n - 6 - d[5];
  return TRUE;
}

gboolean
dtls_resume_profile_ok(unsigned int profile)
{
  return profile == GNUTLS_SRTP_AES128_CM_HMAC_SHA1_80 || profile == GNUTLS_SRTP_AES128_CM_HMAC_SHA1_32;
}

/* The profile in the use_srtp extension of a ServerHello (RFC 5764
 * §4.1.1: a list of one profile, then the MKI), given what follows its
 * session id (cipher suite, compression, extensions), or 0. GnuTLS 3.7.9
 * as a client does not look at it in a resumed handshake. */
unsigned int
dtls_resume_server_hello_profile(const guint8 *d, gsize n)
{
  if (n < 5)
    return 0;
  gsize total = ((gsize)d[3] << 8) | d[4];
  if (total > n - 5)
    return 0;
  const guint8 *e = d + 5, *end = d + 5 + total;
  while (end - e >= 4) {
    guint type = ((guint)e[0] << 8) | e[1];
    gsize len = ((gsize)e[2] << 8) | e[3];
    if (len > (gsize)(end - e - 4))
      return 0;
    if (type == 14 && len >= 5 && e[4] == 0 && e[5] == 2) {
      unsigned int profile = ((guint)e[6] << 8) | e[7];
      return dtls_resume_profile_ok(profile) ? profile : 0;
    }
    e += 4 + len;
  }
  return 0;
}

/* ---- the session's side of resumption ----------------------------------- */

/* The SRTP profile of the session. GnuTLS 3.7.9 as a server parses no
 * use_srtp in a resuming ClientHello and sends none in its ServerHello, so
 * in a resumed session neither side may have one from GnuTLS: then the
 * client takes the one a (non-GnuTLS) server named in its ServerHello, and
 * otherwise the original session's profile applies (remembered in the resume data and the
 * cache entry; RFC 5764 keeps the SRTP parameters with the session). */
gboolean
dtls_resume_session_profile(dtls_srtp_session *s, gnutls_srtp_profile_t *profile, gboolean *from_resume)
{
  *from_resume = FALSE;
  if (gnutls_srtp_get_selected_profile(s->tls, profile) == 0)
    return dtls_resume_profile_ok(*profile);
  if (gnutls_session_is_resumed(s->tls) && s->hello_profile) {
    *profile = (gnutls_srtp_profile_t)s->hello_profile;
    *from_resume = TRUE;
    return TRUE;
  }
  if (gnutls_session_is_resumed(s->tls) && dtls_resume_profile_ok(s->resume_profile)) {
    *profile = (gnutls_srtp_profile_t)s->resume_profile;
    *from_resume = TRUE;
    return TRUE;
  }
  return FALSE;
}

/* RFC 5764 §4.2 key export, as gnutls_srtp_get_keys does it, for a
 * profile GnuTLS does not know it negotiated (both are AES-128: 16-byte
 * keys, 14-byte salts). */
int
dtls_resume_export_keys(dtls_srtp_session *s, guint8 *material, gsize size, gnutls_datum_t *ck,
            gnutls_datum_t *cs, gnutls_datum_t *sk, gnutls_datum_t *ss)
{
  const char label[] = "EXTRACTOR-dtls_srtp";
  if (size < 2 * (16 + 14))
    return GNUTLS_E_SHORT_MEMORY_BUFFER;
  int rc = gnutls_prf(s->tls, sizeof label - 1, label, 0, 0, NULL, 2 * (16 + 14), (char *)material);
  if (rc < 0)
    return rc;
  *ck = (gnutls_datum_t){ material, 16 };
  *sk = (gnutls_datum_t){ material + 16, 16 };
  *cs = (gnutls_datum_t){ material + 32, 14 };
  *ss = (gnutls_datum_t){ material + 46, 14 };
  return 2 * (16 + 14);
}

/* The handshake hook: the trace, plus the resumption lines. */
int
dtls_resume_hook(gnutls_session_t tls, unsigned int htype, unsigned when, unsigned int incoming,
               const gnutls_datum_t *msg)
{
  dtls_trace_hook(tls, htype, when, incoming, msg);
  dtls_srtp_session *s = gnutls_session_get_ptr(tls);
  if (!s)
    return 0;
  if (s->try_id_len > 0 && !s->try_traced && !incoming && when == GNUTLS_HOOK_PRE &&
      htype == GNUTLS_HANDSHAKE_CLIENT_HELLO && dtls_trace_enabled(s)) {
    s->try_traced = TRUE;
    g_autofree char *hex = dtls_resume_hex(s->try_id, s->try_id_len);
    dtls_trace(s, "Try resume session %s", hex);
  }
  if (!incoming && when == GNUTLS_HOOK_POST && htype == GNUTLS_HANDSHAKE_FINISHED)
    s->finished_written = TRUE;
  if (when != GNUTLS_HOOK_POST || htype != GNUTLS_HANDSHAKE_SERVER_HELLO)
    return 0;
  if (s->role == DTLS_ROLE_CLIENT && incoming && s->try_id_len > 0 && msg) {
    /* The server agrees when its ServerHello (version, random, session
     * id) echoes our session id; GnuTLS says so only later. */
    const guint8 *d = msg->data;
    if (msg->size >= 35 + s->try_id_len && d[34] == s->try_id_len &&
        memcmp(d + 35, s->try_id, s->try_id_len) == 0) {
      s->hello_profile = dtls_resume_server_hello_profile(d + 35 + s->try_id_len,
                                                   msg->size - 35 - s->try_id_len);
      if (s->hello_profile)
        dtls_trace(s, "Read ServerHello extension \"use_srtp\"");
      if (dtls_trace_enabled(s)) {
        g_autofree char *hex = dtls_resume_hex(s->try_id, s->try_id_len);
        dtls_trace(s, "Resume session %s", hex);
      }
    }
  } else if (s->role == DTLS_ROLE_SERVER && !incoming && gnutls_session_is_resumed(tls) &&
             dtls_trace_enabled(s)) {
    gnutls_datum_t id = { NULL, 0 };
    if (gnutls_session_get_id2(tls, &id) == 0 && id.size > 0) {
      g_autofree char *hex = dtls_resume_hex(id.data, id.size);
      dtls_trace(s, "Resume session %s", hex);
    }
  }
  return 0;
}

GBytes *
dtls_srtp_session_get_resume_data(dtls_srtp_session *s)
{
  gnutls_srtp_profile_t profile;
  gnutls_datum_t id = { NULL, 0 }, blob = { NULL, 0 };
  if (s->role != DTLS_ROLE_CLIENT || s->state != DTLS_SRTP_CONNECTED || s->resumed ||
      gnutls_srtp_get_selected_profile(s->tls, &profile) < 0 ||
      gnutls_session_get_id2(s->tls, &id) < 0 || id.size == 0 || id.size > DTLS_RESUME_MAX_ID)
    return NULL;
  if (gnutls_session_get_data2(s->tls, &blob) < 0)
    return NULL;
  g_autoptr(GBytes) fixed = dtls_resume_fix_blob(blob.data, blob.size, profile);
  gnutls_memset(blob.data, 0, blob.size);
  gnutls_free(blob.data);
  if (!fixed)
    return NULL;
  /* Traced here, when the caller takes the data, so that a session nobody
   * resumes keeps the trace it always had. */
  if (dtls_trace_enabled(s)) {
    g_autofree char *hex = dtls_resume_hex(id.data, id.size);
    dtls_trace(s, "Store session %s", hex);
  }
  return dtls_resume_wrap(profile, id.data, id.size, fixed);
}

gboolean
dtls_srtp_session_resumed(const dtls_srtp_session *s)
{
  return s->state == DTLS_SRTP_CONNECTED && s->resumed;
}

/* ---- the server's session cache ---------------------------------------- */

struct dtls_srtp_session_cache {
  guint max_entries;
  GHashTable *table; /* GBytes id -> GBytes: u8 gnutls_srtp_profile_t, fixed blob */
  GQueue order;      /* GBytes ids, oldest first (borrowed from the table) */
};

dtls_srtp_session_cache *
dtls_srtp_session_cache_new(guint max_entries)
{
  dtls_srtp_session_cache *c = g_new0(dtls_srtp_session_cache, 1);
  c->max_entries = max_entries ? max_entries : 1;
  c->table = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
                                   (GDestroyNotify)g_bytes_unref);
  g_queue_init(&c->order);
  return c;
}

void
dtls_srtp_session_cache_free(dtls_srtp_session_cache *c)
{
  if (!c)
    return;
  g_queue_clear(&c->order);
  g_hash_table_unref(c->table);
  g_free(c);
}

guint
dtls_srtp_session_cache_size(const dtls_srtp_session_cache *c)
{
  return g_hash_table_size(c->table);
}

static void
cache_remove(dtls_srtp_session_cache *c, GBytes *id)
{
  gpointer orig_key;
  if (!g_hash_table_lookup_extended(c->table, id, &orig_key, NULL))
    return;
  g_queue_remove(&c->order, orig_key);
  g_hash_table_remove(c->table, id);
}

static int
db_store(void *ptr, gnutls_datum_t key, gnutls_datum_t data)
{
  dtls_srtp_session *s = ptr;
  dtls_srtp_session_cache *c = s->cache;
  gnutls_srtp_profile_t profile;
  if (key.size == 0 || key.size > DTLS_RESUME_MAX_ID ||
      gnutls_srtp_get_selected_profile(s->tls, &profile) < 0)
    return -1;
  g_autoptr(GBytes) fixed = dtls_resume_fix_blob(data.data, data.size, profile);
  if (!fixed || !dtls_resume_profile_ok(profile))
    return -1; /* not resumable with this GnuTLS: store nothing */
  gsize fl;
  const guint8 *fd = g_bytes_get_data(fixed, &fl);
  GByteArray *entry = g_byte_array_sized_new((guint)fl + 1);
  guint8 pr = (guint8)profile;
  g_byte_array_append(entry, &pr, 1);
  g_byte_array_append(entry, fd, (guint)fl);
  GBytes *blob = g_byte_array_free_to_bytes(entry);
  GBytes *id = g_bytes_new(key.data, key.size);
  cache_remove(c, id);
  while (g_hash_table_size(c->table) >= c->max_entries) {
    GBytes *oldest = g_queue_peek_head(&c->order);
    cache_remove(c, oldest);
  }
  g_hash_table_insert(c->table, id, blob);
  g_queue_push_tail(&c->order, id);
  if (dtls_trace_enabled(s)) {
    g_autofree char *hex = dtls_resume_hex(key.data, key.size);
    dtls_trace(s, "Store session %s", hex);
  }
  return 0;
}

static gnutls_datum_t
db_retrieve(void *ptr, gnutls_datum_t key)
{
  dtls_srtp_session *s = ptr;
  gnutls_datum_t out = { NULL, 0 };
  g_autoptr(GBytes) id = g_bytes_new(key.data, key.size);
  GBytes *blob = g_hash_table_lookup(s->cache->table, id);
  if (!blob)
    return out;
  gsize n;
  const guint8 *d = g_bytes_get_data(blob, &n);
  out.data = gnutls_malloc(n - 1);
  if (!out.data)
    return out;
  memcpy(out.data, d + 1, n - 1);
  out.size = (unsigned int)(n - 1);
  s->resume_profile = d[0]; /* see dtls_srtp.c connected() */
  return out;
}

static int
db_remove(void *ptr, gnutls_datum_t key)
{
  dtls_srtp_session *s = ptr;
  g_autoptr(GBytes) id = g_bytes_new(key.data, key.size);
  cache_remove(s->cache, id);
  return 0;
}

void
dtls_resume_install_cache(dtls_srtp_session *s)
{
  gnutls_db_set_ptr(s->tls, s);
  gnutls_db_set_store_function(s->tls, db_store);
  gnutls_db_set_retrieve_function(s->tls, db_retrieve);
  gnutls_db_set_remove_function(s->tls, db_remove);
}

char *
dtls_resume_hex(const guint8 *d, gsize n)
{
  char *hex = g_malloc(2 * n + 1);
  for (gsize i = 0; i < n; i++)
    g_snprintf(hex + 2 * i, 3, "%02x", d[i]);
  hex[2 * n] = '\0';
  return hex;
}
