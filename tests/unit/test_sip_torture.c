/* RFC 4475 torture messages against the SIP message layer.
 *
 * Every one of the 49 messages (tests/data/rfc4475/, byte-exact copies)
 * goes through sip_message_parse (as a UDP datagram) and, when that
 * succeeds, sip_message_validate, as a UA does. The table below is what we
 * do with each, next to what RFC 4475 says; the tests after it check the
 * fields of the interesting ones. Then every truncated length of every
 * message is fed to the parser and the stream framer. */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_framer.h"
#include "signalling/sip/sip_writer.h"
#include "tests/unit/testutil.h"

typedef enum {
  ACCEPT,         /* parses and validates: handed to the transaction layer */
  PARSE_REFUSED,  /* sip_message_parse fails */
  REFUSED,        /* parses, sip_message_validate fails */
} outcome;

typedef struct {
  const char *file;
  outcome outcome;
  int code;       /* errno of the refusal */
  guint status;   /* status answered; 0 = dropped (responses) */
  const char *what_we_do;
} torture_case;

/* The option tags our UA supports, for Require (bext01). */
static const char *const supported[] = { "100rel", "replaces", "timer", NULL };

static const torture_case cases[] = {
  /* 3.1.1 valid messages */
  { "wsinv.dat", ACCEPT, 0, 0, "folding, LWS everywhere, compact forms: all fields read" },
  { "intmeth.dat", ACCEPT, 0, 0, "accepted; the UA answers 501 to the unknown method" },
  { "esc01.dat", ACCEPT, 0, 0, "escapes kept in slices, equal once unescaped" },
  { "escnull.dat", ACCEPT, 0, 0, "%00 unescapes to a NUL byte, length kept" },
  { "esc02.dat", ACCEPT, 0, 0, "RE%47IST%45R is an unknown method (501); C%6Fntact unknown header" },
  { "lwsdisp.dat", ACCEPT, 0, 0, "display name directly before < accepted" },
  { "longreq.dat", ACCEPT, 0, 0, "34 Via values, long names and values" },
  { "dblreq.dat", ACCEPT, 0, 0, "REGISTER handled, trailing octets after Content-Length ignored" },
  { "semiuri.dat", ACCEPT, 0, 0, "user part \"user;par=u%40example.net\"" },
  { "transports.dat", ACCEPT, 0, 0, "five Via transports read as written" },
  { "mpart01.dat", ACCEPT, 0, 0, "binary multipart body framed by Content-Length" },
  { "unreason.dat", ACCEPT, 0, 0, "UTF-8 reason phrase" },
  { "noreason.dat", ACCEPT, 0, 0, "empty reason phrase" },
  /* 3.1.2 invalid messages */
  { "badinv01.dat", REFUSED, -EBADMSG, 400, "empty Via parameters: 400" },
  { "clerr.dat", PARSE_REFUSED, -EBADMSG, 400, "Content-Length beyond the datagram: 400" },
  { "ncl.dat", PARSE_REFUSED, -EBADMSG, 400, "negative Content-Length: 400, never used" },
  { "scalar02.dat", REFUSED, -ERANGE, 400, "CSeq above 2**32-1: 400" },
  { "scalarlg.dat", REFUSED, -ERANGE, 0, "response with CSeq above 2**32-1: dropped" },
  { "quotbal.dat", REFUSED, -EBADMSG, 400, "unterminated quoted display name in To: 400" },
  { "ltgtruri.dat", PARSE_REFUSED, -EBADMSG, 400, "<> around the Request-URI: 400" },
  { "lwsruri.dat", PARSE_REFUSED, -EBADMSG, 400, "LWS inside the Request-URI: 400" },
  { "lwsstart.dat", PARSE_REFUSED, -EBADMSG, 400, "several SP in the Request-Line: 400 (strict)" },
  { "trws.dat", PARSE_REFUSED, -EBADMSG, 400, "SP after SIP/2.0: 400 (strict)" },
  { "escruri.dat", REFUSED, -EBADMSG, 400, "headers in the Request-URI: 400" },
  { "baddate.dat", ACCEPT, 0, 0, "Date is never read by the UA, so EST is ignored" },
  { "regbadct.dat", REFUSED, -EBADMSG, 400, "addr-spec Contact with '?' outside <>: 400" },
  { "badaspec.dat", REFUSED, -EBADMSG, 400, "spaces inside <> in To: 400" },
  { "baddn.dat", PARSE_REFUSED, -EBADMSG, 400, "file lacks the empty line: 400 (with it: display name 400)" },
  { "badvers.dat", PARSE_REFUSED, -EPROTONOSUPPORT, 505, "SIP/7.0: 505" },
  { "mismatch01.dat", REFUSED, -EBADMSG, 400, "CSeq method INVITE on OPTIONS: 400" },
  { "mismatch02.dat", REFUSED, -EBADMSG, 400, "CSeq method mismatch on unknown method: 400" },
  { "bigcode.dat", PARSE_REFUSED, -EBADMSG, 0, "status code 4294967301: dropped" },
  /* 3.2, 3.3, 3.4 valid with a semantic error */
  { "badbranch.dat", REFUSED, -EBADMSG, 400, "branch is only z9hG4bK: 400 (stateless)" },
  { "insuf.dat", REFUSED, -ENOENT, 400, "no Call-ID, From, To: 400" },
  { "unkscm.dat", REFUSED, -EPROTONOSUPPORT, 416, "unknown Request-URI scheme: 416" },
  { "novelsc.dat", REFUSED, -EPROTONOSUPPORT, 416, "soap.beep: never served: 416" },
  { "unksm2.dat", ACCEPT, 0, 0, "well-formed; a UA answers REGISTER with 405 (not a registrar)" },
  { "bext01.dat", REFUSED, -ENOTSUP, 420, "Require unknown tags: 420 + Unsupported; Proxy-Require ignored by a UA" },
  { "invut.dat", ACCEPT, 0, 0, "well-formed; the INVITE handler answers 415 by Content-Type" },
  { "regaut01.dat", ACCEPT, 0, 0, "Authorization kept whole; a UA answers REGISTER with 405" },
  { "multi01.dat", REFUSED, -EBADMSG, 400, "two Call-ID / To / From / CSeq: 400" },
  { "mcl01.dat", PARSE_REFUSED, -EBADMSG, 400, "conflicting Content-Length: 400" },
  { "bcast.dat", ACCEPT, 0, 0, "a UA reads only the top Via of a response; the broadcast hop is never used" },
  { "zeromf.dat", ACCEPT, 0, 0, "Max-Forwards 0 is for proxies (483); a UA processes the OPTIONS" },
  { "cparam01.dat", ACCEPT, 0, 0, "unbracketed Contact: unknownparam is a header parameter" },
  { "cparam02.dat", ACCEPT, 0, 0, "bracketed Contact: unknownparam is a URI parameter" },
  { "regescrt.dat", ACCEPT, 0, 0, "escaped Route kept inside the bracketed Contact URI" },
  { "sdp01.dat", ACCEPT, 0, 0, "well-formed; the INVITE handler answers 406 from Accept" },
  { "inv2543.dat", ACCEPT, 0, 0, "RFC 2543 INVITE accepted: no branch, no tags, body is the datagram's rest" },
};

static GBytes *
load(const char *file)
{
  g_autofree char *rel = g_strconcat("rfc4475/", file, NULL);
  return testutil_load(rel);
}

/* Parses FILE as a datagram into MSG (which keeps the bytes). */
static int
parse_file(const char *file, sip_message *msg, sip_error *err)
{
  g_autoptr(GBytes) b = load(file);
  return sip_message_parse_bytes(msg, b, SIP_FRAMING_DATAGRAM, NULL, err);
}

static void
test_index_complete(void)
{
  /* Every file of INDEX.tsv has a row in the table and the reverse. */
  g_autoptr(GBytes) idx = testutil_load("rfc4475/INDEX.tsv");
  g_autofree char *text = g_strndup(g_bytes_get_data(idx, NULL), g_bytes_get_size(idx));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  guint rows = 0;
  for (guint i = 1; lines[i]; i++) {
    g_auto(GStrv) cols = g_strsplit(lines[i], "\t", -1);
    gboolean found = FALSE;
    if (!cols[0] || !*cols[0])
      continue;
    rows++;
    for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
      if (strcmp(cases[c].file, cols[0]) != 0)
        continue;
      found = TRUE;
      /* RFC "valid" messages must be accepted. */
      if (g_strcmp0(cols[2], "valid") == 0)
        g_assert_cmpint(cases[c].outcome, ==, ACCEPT);
    }
    g_assert_true(found);
  }
  g_assert_cmpuint(rows, ==, G_N_ELEMENTS(cases));
  g_assert_cmpuint(rows, ==, 49);
}

static void
test_case(gconstpointer data)
{
  const torture_case *tc = data;
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err = { 0 };
  int r;

  g_test_message("%s: %s", tc->file, tc->what_we_do);
  r = parse_file(tc->file, &msg, &err);
  if (tc->outcome == PARSE_REFUSED) {
    g_assert_cmpint(r, ==, tc->code);
    g_assert_cmpint(err.code, ==, tc->code);
    g_assert_cmpuint(err.status, ==, tc->status);
    g_assert_nonnull(err.reason);
    return;
  }
  if (r != 0)
    g_error("%s: parse failed: %s", tc->file, err.reason);
  r = sip_message_validate(&msg, supported, &err);
  if (tc->outcome == ACCEPT) {
    if (r != 0)
      g_error("%s: validation failed: %s", tc->file, err.reason);
    return;
  }
  g_assert_cmpint(r, ==, tc->code);
  g_assert_cmpuint(err.status, ==, tc->status);
  g_assert_nonnull(err.reason);
}

static void
assert_slice(sip_slice s, const char *expected)
{
  g_autofree char *got = sip_slice_dup(s);
  g_assert_cmpstr(got, ==, expected);
}

static void
assert_unescaped(sip_slice s, const char *expected, gsize expected_len)
{
  g_autofree char *buf = g_malloc(s.len + 1);
  gssize n = sip_unescape(s, buf);
  g_assert_cmpint(n, ==, (gssize)expected_len);
  g_assert_cmpmem(buf, (gsize)n, expected, expected_len);
}

static void
test_wsinv(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_name_addr na;
  sip_via via;
  sip_cseq cseq;
  sip_slice s;
  guint mf;
  g_autoptr(GString) dn = g_string_new(NULL);

  g_assert_cmpint(parse_file("wsinv.dat", &msg, &err), ==, 0);
  assert_slice(msg.method, "INVITE");
  g_assert_cmpint(msg.method_id, ==, SIP_METHOD_INVITE);
  assert_slice(msg.request_uri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
  g_assert_cmpint(sip_message_to(&msg, &na, &err), ==, 0);
  g_assert_false(na.bracketed);
  assert_slice(na.uri_text, "sip:vivekg@chair-dnrc.example.com");
  assert_slice(na.tag, "1918181833n");
  g_assert_cmpint(sip_message_from(&msg, &na, &err), ==, 0);
  g_assert_true(na.display_quoted);
  sip_name_addr_display(&na, dn);
  g_assert_cmpstr(dn->str, ==, "J Rosenberg \\\"");
  assert_slice(na.uri.user, "jdrosen");
  assert_slice(na.tag, "98asjd8");
  g_assert_cmpint(sip_message_max_forwards(&msg, &mf, &err), ==, 0);
  g_assert_cmpuint(mf, ==, 68);
  g_assert_cmpint(sip_message_cseq(&msg, &cseq, &err), ==, 0);
  g_assert_cmpuint(cseq.number, ==, 9);
  assert_slice(cseq.method, "INVITE");
  g_assert_cmpint(sip_message_call_id(&msg, &s, &err), ==, 0);
  assert_slice(s, "wsinv.ndaksdj@192.0.2.1");

  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_VIA), ==, 3);
  g_assert_cmpint(sip_message_via(&msg, 0, &via, &err), ==, 0);
  assert_slice(via.transport, "UDP");
  assert_slice(via.host, "192.0.2.2");
  assert_slice(via.branch, "390skdjuw");
  g_assert_cmpint(sip_message_via(&msg, 1, &via, &err), ==, 0);
  assert_slice(via.transport, "TCP");
  assert_slice(via.host, "spindle.example.com");
  assert_slice(via.branch, "z9hG4bK9ikj8");
  g_assert_cmpint(sip_message_via(&msg, 2, &via, &err), ==, 0);
  assert_slice(via.transport, "UDP");
  assert_slice(via.host, "192.168.255.111");
  assert_slice(via.branch, "z9hG4bK30239");

  /* s: is an empty Subject; the unknown headers are kept whole. */
  const sip_header *h = sip_message_header(&msg, SIP_HDR_SUBJECT);
  g_assert_nonnull(h);
  g_assert_cmpuint(h->value.len, ==, 0);
  h = sip_message_header_by_name(&msg, "UnknownHeaderWithUnusualValue");
  g_assert_nonnull(h);
  assert_slice(h->value, ";;,,;;,;");
  h = sip_message_header_by_name(&msg, "newfangledheader");
  g_assert_nonnull(h);
  g_assert_true(g_str_has_prefix(h->value.p, "newfangled value"));

  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_ROUTE, 0, &na, &err), ==, 0);
  g_assert_true(sip_uri_param(&na.uri, "lr", &s));
  g_assert_true(sip_uri_param(&na.uri, "unknownwith", &s));
  assert_slice(s, "value");
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  g_string_truncate(dn, 0);
  sip_name_addr_display(&na, dn);
  g_assert_cmpstr(dn->str, ==, "Quoted string \"\"");
  g_assert_true(sip_params_get(na.params, "newparam", &s));
  assert_slice(s, "newvalue");
  g_assert_true(sip_params_get(na.params, "secondparam", &s));
  g_assert_cmpuint(s.len, ==, 0);
  g_assert_true(sip_params_get(na.params, "q", &s));
  assert_slice(s, "0.33");
  g_assert_cmpuint(msg.body.len, ==, 150);
  g_assert_true(g_str_has_prefix(msg.body.p, "v=0\r\n"));
}

static void
test_intmeth(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_uri uri;
  sip_name_addr na;
  sip_cseq cseq;
  sip_via via;
  g_autoptr(GString) dn = g_string_new(NULL);

  g_assert_cmpint(parse_file("intmeth.dat", &msg, &err), ==, 0);
  assert_slice(msg.method, "!interesting-Method0123456789_*+`.%indeed'~");
  g_assert_cmpint(msg.method_id, ==, SIP_METHOD_OTHER);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, &err), ==, 0);
  assert_slice(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert_slice(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert_slice(uri.host, "example.com");
  g_assert_cmpint(sip_message_via(&msg, 0, &via, &err), ==, 0);
  assert_slice(via.branch, "z9hG4bK-.!%66*_+`'~");
  g_assert_cmpint(sip_message_to(&msg, &na, &err), ==, 0);
  sip_name_addr_display(&na, dn);
  g_assert_cmpmem(dn->str, dn->len, "BEL:\a NUL:\0 DEL:\x7f", 17);
  g_assert_cmpint(sip_message_from(&msg, &na, &err), ==, 0);
  assert_slice(na.display, "token1~` token2'+_ token3*%!.-");
  assert_slice(na.tag, "_token~1'+`*%!-.");
  g_assert_cmpint(sip_message_cseq(&msg, &cseq, &err), ==, 0);
  g_assert_cmpuint(cseq.number, ==, 139122385);
  g_assert_true(sip_message_header_by_name(&msg, "extensionHeader-!.%*+_`'~") != NULL);
}

static void
test_escapes(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_uri uri;
  sip_name_addr na;
  sip_slice s;

  /* esc01 */
  g_assert_cmpint(parse_file("esc01.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, &err), ==, 0);
  assert_unescaped(uri.user, "sips:user@example.com", 21);
  assert_slice(uri.host, "example.net");
  g_assert_cmpint(sip_message_to(&msg, &na, &err), ==, 0);
  assert_unescaped(na.uri.user, "user", 4);
  g_assert_cmpint(sip_message_from(&msg, &na, &err), ==, 0);
  assert_unescaped(na.uri.user, "I have spaces", 13);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  assert_unescaped(na.uri.user, "caller", 6);
  g_assert_true(sip_uri_param(&na.uri, "%6C%72", NULL));
  g_assert_true(sip_uri_param(&na.uri, "n%61me", &s));
  assert_unescaped(s, "value%41", 8);
  sip_message_clear(&msg);

  /* escnull: %00 keeps its length */
  g_assert_cmpint(parse_file("escnull.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_to(&msg, &na, &err), ==, 0);
  assert_unescaped(na.uri.user, "null-\0-null", 11);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_CONTACT), ==, 2);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  assert_unescaped(na.uri.user, "\0", 1);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 1, &na, &err), ==, 0);
  assert_unescaped(na.uri.user, "\0\0", 2);
  sip_message_clear(&msg);

  /* esc02: % is not an escape in methods; C%6Fntact is another header */
  g_assert_cmpint(parse_file("esc02.dat", &msg, &err), ==, 0);
  assert_slice(msg.method, "RE%47IST%45R");
  g_assert_cmpint(msg.method_id, ==, SIP_METHOD_OTHER);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_CONTACT), ==, 2);
  g_assert_nonnull(sip_message_header_by_name(&msg, "C%6Fntact"));
  sip_message_clear(&msg);

  /* escruri: the URI parses with its headers; validation refuses them */
  g_assert_cmpint(parse_file("escruri.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, &err), ==, 0);
  g_assert_true(uri.has_headers);
  assert_slice(uri.headers, "Route=%3Csip:example.com%3E");
  g_assert_cmpint(sip_message_validate(&msg, supported, &err), ==, -EBADMSG);
  g_assert_cmpuint(err.status, ==, 400);
  sip_message_clear(&msg);

  /* regescrt: kept inside a bracketed Contact */
  g_assert_cmpint(parse_file("regescrt.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  g_assert_true(na.uri.has_headers);
  assert_slice(na.uri.headers, "Route=%3Csip:sip.example.com%3E");
}

static void
test_name_addr_cases(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_name_addr na;
  sip_uri uri;
  sip_slice s;

  g_assert_cmpint(parse_file("lwsdisp.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_from(&msg, &na, &err), ==, 0);
  assert_slice(na.display, "caller");
  assert_slice(na.uri_text, "sip:caller@example.com");
  assert_slice(na.tag, "323");
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("semiuri.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, &err), ==, 0);
  assert_unescaped(uri.user, "user;par=u@example.net", 22);
  assert_slice(uri.host, "example.com");
  g_assert_cmpuint(uri.params.len, ==, 0);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_ACCEPT), ==, 6);
  assert_slice(sip_message_header_at(&msg, SIP_HDR_ACCEPT, 5)->value, "message/sipfrag");
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("cparam01.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  g_assert_false(na.bracketed);
  g_assert_false(sip_uri_param(&na.uri, "unknownparam", NULL));
  g_assert_true(sip_params_get(na.params, "unknownparam", NULL));
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("cparam02.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  g_assert_true(na.bracketed);
  g_assert_true(sip_uri_param(&na.uri, "unknownparam", NULL));
  g_assert_false(sip_params_get(na.params, "unknownparam", NULL));
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("unksm2.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_to(&msg, &na, &err), ==, 0);
  g_assert_cmpint(na.uri.scheme, ==, SIP_URI_OTHER);
  assert_slice(na.uri.scheme_text, "isbn");
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, &err), ==, 0);
  assert_slice(na.uri.opaque, "John_Smith");
  sip_message_clear(&msg);

  /* baddn with the empty line it lacks: the display name is refused. */
  {
    g_autoptr(GBytes) b = load("baddn.dat");
    g_autoptr(GString) fixed = g_string_new_len(g_bytes_get_data(b, NULL), (gssize)g_bytes_get_size(b));
    g_string_append(fixed, "\r\n");
    g_assert_cmpint(sip_message_parse(&msg, fixed->str, fixed->len, SIP_FRAMING_DATAGRAM, NULL, &err), ==, 0);
    g_assert_cmpint(sip_message_validate(&msg, supported, &err), ==, -EBADMSG);
    g_assert_cmpuint(err.status, ==, 400);
    sip_message_clear(&msg);
  }

  g_assert_cmpint(parse_file("regaut01.dat", &msg, &err), ==, 0);
  assert_slice(sip_message_header(&msg, SIP_HDR_AUTHORIZATION)->value,
               "NoOneKnowsThisScheme opaque-data=here");
  (void)s;
}

static void
test_longreq(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_via via;
  sip_name_addr na;
  sip_slice s;

  g_assert_cmpint(parse_file("longreq.dat", &msg, &err), ==, 0);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_VIA), ==, 34);
  g_assert_cmpint(sip_message_via(&msg, 0, &via, &err), ==, 0);
  assert_slice(via.host, "sip33.example.com");
  g_assert_cmpint(sip_message_via(&msg, 33, &via, &err), ==, 0);
  assert_slice(via.host, "host.example.com");
  assert_slice(via.received, "192.0.2.5");
  g_assert_cmpint(sip_message_to(&msg, &na, &err), ==, 0);
  g_assert_cmpuint(na.uri.port, ==, 6000);
  g_assert_true(sip_uri_param(&na.uri, "unknownparam1", &s));
  g_assert_cmpuint(s.len, ==, 89);
  g_assert_cmpint(sip_message_from(&msg, &na, &err), ==, 0);
  g_assert_cmpuint(na.tag.len, ==, 155);
  g_assert_cmpuint(msg.body.len, ==, 150);
}

static void
test_framing_cases(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_cseq cseq;
  sip_via via;

  /* dblreq: the trailing INVITE-looking octets are not part of it. */
  g_assert_cmpint(parse_file("dblreq.dat", &msg, &err), ==, 0);
  g_assert_cmpint(msg.method_id, ==, SIP_METHOD_REGISTER);
  g_assert_cmpuint(msg.body.len, ==, 0);
  g_assert_cmpuint(msg.len, <, msg.buf_len);
  g_assert_cmpuint(msg.buf_len - msg.len, ==, 450);
  sip_message_clear(&msg);

  /* mpart01: the binary body is exactly Content-Length octets. */
  g_assert_cmpint(parse_file("mpart01.dat", &msg, &err), ==, 0);
  g_assert_cmpuint(msg.body.len, ==, 553);
  g_assert_nonnull(memchr(msg.body.p, '\0', msg.body.len));
  g_assert_cmpint(sip_message_via(&msg, 0, &via, &err), ==, 0);
  g_assert_true(via.has_rport);
  g_assert_cmpint(via.rport, ==, -1);
  g_assert_cmpuint(via.port, ==, 5070);
  sip_message_clear(&msg);

  /* inv2543: no Content-Length over UDP: the body is the rest. */
  g_assert_cmpint(parse_file("inv2543.dat", &msg, &err), ==, 0);
  g_assert_false(msg.has_content_length);
  g_assert_cmpuint(msg.body.len, ==, 105);
  {
    sip_message_ids ids;
    g_assert_cmpint(sip_message_get_ids(&msg, &ids, &err), ==, 0);
    g_assert_false(ids.top_via.has_branch);
    g_assert_cmpuint(ids.from_tag.len, ==, 0);
  }
  /* On a stream it would be refused. */
  {
    g_autoptr(GBytes) b = load("inv2543.dat");
    g_assert_cmpint(sip_message_parse_bytes(&msg, b, SIP_FRAMING_STREAM, NULL, &err), ==, -EBADMSG);
  }
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("transports.dat", &msg, &err), ==, 0);
  {
    static const char *const want[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };
    for (guint i = 0; i < 5; i++) {
      g_assert_cmpint(sip_message_via(&msg, i, &via, &err), ==, 0);
      assert_slice(via.transport, want[i]);
    }
  }
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("unreason.dat", &msg, &err), ==, 0);
  g_assert_false(msg.is_request);
  g_assert_cmpuint(msg.status, ==, 200);
  g_assert_true(g_str_has_prefix(msg.reason.p, "= 2**3 * 5**2 "));
  g_assert_true(g_utf8_validate(msg.reason.p, (gssize)msg.reason.len, NULL));
  g_assert_cmpint(sip_message_cseq(&msg, &cseq, &err), ==, 0);
  g_assert_cmpuint(cseq.number, ==, 35);
  sip_message_clear(&msg);

  g_assert_cmpint(parse_file("noreason.dat", &msg, &err), ==, 0);
  g_assert_cmpuint(msg.status, ==, 100);
  g_assert_cmpuint(msg.reason.len, ==, 0);
  sip_message_clear(&msg);

  /* clerr on a stream: the framer waits for the rest. */
  {
    g_autoptr(GBytes) b = load("clerr.dat");
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    g_assert_cmpint(sip_stream_framer_feed(f, g_bytes_get_data(b, NULL), g_bytes_get_size(b), &err), ==, 0);
    g_assert_null(sip_stream_framer_pop(f));
    g_assert_cmpuint(sip_stream_framer_buffered(f), ==, g_bytes_get_size(b));
  }
  /* bext01: the Unsupported list for the 420. */
  {
    g_autoptr(GString) u = g_string_new(NULL);
    g_assert_cmpint(parse_file("bext01.dat", &msg, &err), ==, 0);
    g_assert_cmpuint(sip_message_unsupported(&msg, supported, u), ==, 2);
    g_assert_cmpstr(u->str, ==, "nothingSupportsThis, nothingSupportsThisEither");
    g_assert_true(sip_message_has_token(&msg, SIP_HDR_PROXY_REQUIRE, "noproxiessupportthis"));
  }
  sip_message_clear(&msg);

  /* zeromf: readable Max-Forwards of 0. */
  {
    guint mf = 99;
    g_assert_cmpint(parse_file("zeromf.dat", &msg, &err), ==, 0);
    g_assert_cmpint(sip_message_max_forwards(&msg, &mf, &err), ==, 0);
    g_assert_cmpuint(mf, ==, 0);
  }
  sip_message_clear(&msg);

  /* bcast: top Via is the UA's own; the second hop is read as written. */
  g_assert_cmpint(parse_file("bcast.dat", &msg, &err), ==, 0);
  g_assert_cmpint(sip_message_via(&msg, 1, &via, &err), ==, 0);
  assert_slice(via.host, "255.255.255.255");
}

/* Feeds every prefix of DATA to the parser, validation, accessors and the
 * framer. Nothing may crash; the complete message must behave as before. */
static void
feed_truncations(const char *data, gsize len)
{
  for (gsize n = 0; n <= len; n++) {
    char *copy = g_memdup2(data, n ? n : 1);   /* exact size for ASan */
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    sip_error err;
    sip_message_ids ids;
    sip_name_addr na;
    sip_uri uri;
    for (int framing = 0; framing < 2; framing++) {
      if (sip_message_parse(&msg, copy, n, framing, NULL, &err) == 0) {
        (void)sip_message_validate(&msg, supported, &err);
        (void)sip_message_get_ids(&msg, &ids, &err);
        (void)sip_message_request_uri_parse(&msg, &uri, &err);
        for (guint i = 0; i < msg.n_headers; i++)
          (void)sip_name_addr_parse(msg.headers[i].value, &na, NULL);
      } else {
        g_assert_nonnull(err.reason);
      }
    }
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    (void)sip_stream_framer_feed(f, copy, n, &err);
    GBytes *b;
    while ((b = sip_stream_framer_pop(f)))
      g_bytes_unref(b);
    g_free(copy);
  }
}

static void
test_truncated(void)
{
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    g_autoptr(GBytes) b = load(cases[c].file);
    feed_truncations(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip/torture/index", test_index_complete);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = g_strdup_printf("/sip/torture/table/%s", cases[i].file);
    g_test_add_data_func(path, &cases[i], test_case);
  }
  g_test_add_func("/sip/torture/wsinv", test_wsinv);
  g_test_add_func("/sip/torture/intmeth", test_intmeth);
  g_test_add_func("/sip/torture/escapes", test_escapes);
  g_test_add_func("/sip/torture/name-addr", test_name_addr_cases);
  g_test_add_func("/sip/torture/longreq", test_longreq);
  g_test_add_func("/sip/torture/framing", test_framing_cases);
  g_test_add_func("/sip/torture/truncated", test_truncated);
  return g_test_run();
}
