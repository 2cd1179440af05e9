/* dtls_phone: the DTLS side of a DTLS-SRTP phone without rtcp-mux, made of
 * OpenSSL (libssl), for the interop suites (45-sip-dtls-resume.py).
 *
 *   dtls_phone server CERT KEY PORT
 *   dtls_phone client CERT KEY PORT PEER_RTP_PORT PEER_RTCP_PORT
 *
 * Two UDP sockets on 127.0.0.1: RTP on PORT, RTCP on PORT+1, one SSL_CTX
 * (DTLS 1.2, use_srtp AES128_CM_SHA1_80/_32, a server-side session cache
 * keyed by session id, no tickets) for both, so that a client may resume on
 * the RTCP port the session it made on the RTP port (RFC 5764 §4.1).
 * server: waits for a ClientHello on each port, with the cookie exchange.
 * client: connects on the RTP port, then on the RTCP port offering the RTP
 * port's session (SSL_set_session).
 * The peer's certificate is requested and accepted whatever it is; its
 * sha-256 fingerprint is printed. After each handshake one line:
 *   <rtp|rtcp> connected reused=<yes|no> profile=<name> keys=<8 hex>
 *     session=<hex id> dropped=<n> peer=sha-256 <fingerprint>
 * where keys is the start of SHA-256 over the exported EXTRACTOR-dtls_srtp
 * keying material (so sessions can be compared without printing keys) and
 * dropped counts the datagrams dropped so far (see readable()). A client
 * also prints "rtcp try resume session=<hex id>" before its second hello.
 * Then it reads and discards what comes until killed. Datagrams that are no
 * DTLS (first byte not 20..63, RFC 7983) are dropped and counted. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  const char *name; /* "rtp" or "rtcp" */
  int fd;
  SSL *ssl;
  int connected;    /* the socket is connect()ed to the peer */
  int started;      /* client: handshake begun */
  int done;         /* handshake finished */
  int failed;       /* client: the session failed; the port is dead */
  unsigned long dropped;
} port;

static SSL_CTX *ctx;
static int is_client;

static void
die(const char *what)
{
  fprintf(stderr, "dtls_phone: %s (%s)\n", what, strerror(errno));
  ERR_print_errors_fp(stderr);
  exit(1);
}

static int
accept_any(int preverify_ok, X509_STORE_CTX *store)
{
  (void)preverify_ok;
  (void)store;
  return 1; /* the test checks the fingerprint; no CA here */
}

/* D as hex into OUT: "a1b2…" without SEP, "A1:B2:…" (as in SDP) with. */
static void
hex(const unsigned char *d, size_t n, const char *sep, char *out)
{
  for (size_t i = 0; i < n; i++)
    out += sep ? sprintf(out, "%s%02X", i ? sep : "", d[i]) : sprintf(out, "%02x", d[i]);
  *out = '\0';
}

static struct sockaddr_in
loopback(int p)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)p) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* A new SSL object on P's socket, in the role of this run. */
static void
new_ssl(port *p)
{
  if (p->ssl)
    SSL_free(p->ssl);
  p->ssl = SSL_new(ctx);
  BIO *bio = BIO_new_dgram(p->fd, BIO_NOCLOSE);
  if (!p->ssl || !bio)
    die("SSL_new");
  SSL_set_bio(p->ssl, bio, bio);
  SSL_set_mtu(p->ssl, 1200);
  SSL_set_options(p->ssl, SSL_OP_NO_QUERY_MTU);
  if (is_client) {
    SSL_set_connect_state(p->ssl);
  } else {
    SSL_set_accept_state(p->ssl);
    SSL_set_options(p->ssl, SSL_OP_COOKIE_EXCHANGE);
  }
  p->started = p->done = 0;
}

static void
open_port(port *p, const char *name, int local, int remote)
{
  p->name = name;
  p->fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback(local);
  if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&a, sizeof a) < 0 ||
      fcntl(p->fd, F_SETFL, O_NONBLOCK) < 0)
    die("cannot bind the UDP port");
  if (remote) {
    struct sockaddr_in r = loopback(remote);
    if (connect(p->fd, (struct sockaddr *)&r, sizeof r) < 0)
      die("connect");
    p->connected = 1;
    new_ssl(p);
    BIO_ctrl_set_connected(SSL_get_rbio(p->ssl), &r);
  } else {
    new_ssl(p);
  }
}

static void
report(port *p)
{
  unsigned char km[2 * (16 + 14)], md[32], fp[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0, fp_len = 0;
  char keys[17] = "none", id_hex[2 * SSL_MAX_SSL_SESSION_ID_LENGTH + 1] = "", peer[3 * EVP_MAX_MD_SIZE] = "none";
  const SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(p->ssl);
  /* Both profiles have a 128-bit key and a 112-bit salt (RFC 5764 §4.1.2). */
  if (SSL_export_keying_material(p->ssl, km, sizeof km, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) == 1 &&
      EVP_Digest(km, sizeof km, md, &md_len, EVP_sha256(), NULL) == 1)
    hex(md, 4, NULL, keys);
  unsigned int id_len = 0;
  const unsigned char *id = SSL_SESSION_get_id(SSL_get_session(p->ssl), &id_len);
  hex(id, id_len, NULL, id_hex);
  X509 *cert = SSL_get1_peer_certificate(p->ssl);
  if (cert && X509_digest(cert, EVP_sha256(), fp, &fp_len) == 1)
    hex(fp, fp_len, ":", peer);
  X509_free(cert);
  printf("%s connected reused=%s profile=%s keys=%s session=%s dropped=%lu peer=sha-256 %s\n", p->name,
         SSL_session_reused(p->ssl) ? "yes" : "no", prof ? prof->name : "none", keys, id_hex, p->dropped, peer);
}

/* Drives P's handshake or, once done, reads and discards. */
static void
step(port *p)
{
  unsigned char buf[2048];
  int r = p->done ? SSL_read(p->ssl, buf, sizeof buf) : SSL_do_handshake(p->ssl);
  if (r > 0) {
    if (!p->done) {
      p->done = 1;
      report(p);
    }
    return;
  }
  int e = SSL_get_error(p->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return;
  printf("%s %s (error %d)\n", p->name, e == SSL_ERROR_ZERO_RETURN ? "closed by the peer" : "failed", e);
  ERR_print_errors_fp(stdout);
  ERR_clear_error();
  if (e == SSL_ERROR_ZERO_RETURN)
    SSL_shutdown(p->ssl); /* answered close_notify: the session stays resumable */
  if (is_client) {
    p->failed = 1; /* no retries: the test sees the "failed" line */
    return;
  }
  struct sockaddr unspec = { .sa_family = AF_UNSPEC };
  connect(p->fd, &unspec, sizeof unspec);
  p->connected = 0;
  new_ssl(p); /* a server waits for the next ClientHello, from anyone */
}

/* HelloVerifyRequest cookies (RFC 6347 §4.2.1): HMAC-SHA-256 of the
 * client's address and port under a per-process secret. */
static unsigned char cookie_secret[32];

static int
make_cookie(SSL *ssl, unsigned char *out, unsigned int *out_len)
{
  union {
    struct sockaddr_in in;
    struct sockaddr_storage any; /* room for OpenSSL's BIO_ADDR */
  } peer;
  memset(&peer, 0, sizeof peer);
  if (BIO_dgram_get_peer(SSL_get_rbio(ssl), &peer) <= 0 || peer.in.sin_family != AF_INET)
    return 0;
  unsigned char addr[6];
  memcpy(addr, &peer.in.sin_addr, 4);
  memcpy(addr + 4, &peer.in.sin_port, 2);
  return HMAC(EVP_sha256(), cookie_secret, sizeof cookie_secret, addr, sizeof addr, out, out_len) != NULL;
}

static int
check_cookie(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
  unsigned char want[EVP_MAX_MD_SIZE];
  unsigned int want_len = 0;
  return make_cookie(ssl, want, &want_len) && len == want_len && CRYPTO_memcmp(cookie, want, len) == 0;
}

/* Server, socket not yet connected: DTLSv1_listen answers a ClientHello
 * without a valid cookie with a HelloVerifyRequest; once one comes back
 * with it, the socket is connected to that client (nobody else's datagrams
 * reach the session) and the handshake goes on. */
static void
listen_step(port *p)
{
  BIO_ADDR *client = BIO_ADDR_new();
  int r = client ? DTLSv1_listen(p->ssl, client) : -1;
  if (r > 0) {
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = BIO_ADDR_rawport(client) };
    size_t len = sizeof to.sin_addr;
    if (BIO_ADDR_family(client) == AF_INET && BIO_ADDR_rawaddress(client, &to.sin_addr, &len) &&
        connect(p->fd, (struct sockaddr *)&to, sizeof to) == 0) {
      BIO_ctrl_set_connected(SSL_get_rbio(p->ssl), &to);
      p->connected = 1;
      step(p);
    } else {
      new_ssl(p);
    }
  } else if (r < 0) {
    ERR_clear_error();
    new_ssl(p);
  }
  BIO_ADDR_free(client);
}

/* One datagram waits on P's socket: drop it unless it is DTLS (and, while
 * a server listens, shaped like a ClientHello: record type 22, handshake
 * type 1 at offset 13), else let OpenSSL read it. */
static void
readable(port *p)
{
  unsigned char head[14];
  ssize_t n = recv(p->fd, head, sizeof head, MSG_PEEK);
  if (n < 0 && errno != EAGAIN && errno != EINTR)
    n = recv(p->fd, head, 1, 0); /* e.g. ICMP port unreachable: clear it */
  int client_hello = n == (ssize_t)sizeof head && head[0] == 22 && head[13] == 1;
  if (n <= 0 || head[0] < 20 || head[0] > 63 || (!p->connected && !client_hello) ||
      (is_client && (!p->started || p->failed))) {
    if (n >= 0)
      recv(p->fd, head, 1, 0);
    p->dropped++;
    return;
  }
  if (p->connected)
    step(p);
  else
    listen_step(p);
}

int
main(int argc, char **argv)
{
  if (argc < 5 || (strcmp(argv[1], "client") == 0 && argc < 7) ||
      (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
    fprintf(stderr, "usage: dtls_phone server CERT KEY PORT\n"
                    "       dtls_phone client CERT KEY PORT PEER_RTP_PORT PEER_RTCP_PORT\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  is_client = strcmp(argv[1], "client") == 0;
  int local = atoi(argv[4]);
  ctx = SSL_CTX_new(is_client ? DTLS_client_method() : DTLS_server_method());
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION))
    die("SSL_CTX_new");
  if (SSL_CTX_use_certificate_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1)
    die("cannot load the certificate or key");
  /* 0 means success here (OpenSSL's convention for this call). */
  if (SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32") != 0)
    die("use_srtp");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
  if (RAND_bytes(cookie_secret, sizeof cookie_secret) != 1)
    die("RAND_bytes");
  SSL_CTX_set_cookie_generate_cb(ctx, make_cookie);
  SSL_CTX_set_cookie_verify_cb(ctx, check_cookie);
  /* Resumption by session id (GnuTLS's client sends one and no ticket
   * extension); OpenSSL resumes nothing with verify on and no id context. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, is_client ? SSL_SESS_CACHE_CLIENT : SSL_SESS_CACHE_SERVER);
  static const unsigned char sid_ctx[] = "rtc2sip dtls_phone";
  SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);

  port ports[2] = { 0 };
  open_port(&ports[0], "rtp", local, is_client ? atoi(argv[5]) : 0);
  open_port(&ports[1], "rtcp", local + 1, is_client ? atoi(argv[6]) : 0);
  printf("listening rtp=%d rtcp=%d role=%s\n", local, local + 1, argv[1]);
  if (is_client) {
    ports[0].started = 1;
    step(&ports[0]); /* sends the ClientHello */
  }
  for (;;) {
    if (is_client && ports[0].done && !ports[1].started) {
      SSL_SESSION *rtp = SSL_get_session(ports[0].ssl);
      unsigned int id_len = 0;
      const unsigned char *id = SSL_SESSION_get_id(rtp, &id_len);
      char id_hex[2 * SSL_MAX_SSL_SESSION_ID_LENGTH + 1];
      hex(id, id_len, NULL, id_hex);
      printf("rtcp try resume session=%s\n", id_hex);
      SSL_set_session(ports[1].ssl, rtp); /* takes a reference */
      ports[1].started = 1;
      step(&ports[1]);
    }
    struct pollfd pf[2] = { { .fd = ports[0].fd, .events = POLLIN }, { .fd = ports[1].fd, .events = POLLIN } };
    int n = poll(pf, 2, 100); /* often enough for DTLS retransmission timers */
    if (n < 0 && errno != EINTR)
      die("poll");
    for (int i = 0; i < 2; i++) {
      if (n > 0 && (pf[i].revents & (POLLIN | POLLERR)))
        readable(&ports[i]);
      if (!ports[i].done && !ports[i].failed && (ports[i].started || ports[i].connected) &&
          DTLSv1_handle_timeout(ports[i].ssl) < 0)
        step(&ports[i]);
    }
  }
}
