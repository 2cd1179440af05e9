/* Configuration: defaults, files, overrides, validation messages. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "gateway/config.h"

static void
test_defaults(void)
{
  g_autoptr(config) cfg = config_new_defaults();
  char *problems = NULL;
  g_assert_true(config_validate(cfg, &problems));
  g_assert_null(problems);
  g_assert_cmpstr(config_get_string(cfg, "http", "listen"), ==, "127.0.0.1:8080");
  g_autofree char *text = config_to_string(cfg);
  g_assert_nonnull(strstr(text, "[http]\n"));
  g_assert_nonnull(strstr(text, "listen = 127.0.0.1:8080\n"));
}

static char *
write_tmp(const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("rtc2sip-config-XXXXXX.ini", &path, &error);
  g_assert_no_error(error);
  close(fd);
  g_assert_true(g_file_set_contents(path, contents, -1, NULL));
  return path;
}

static void
test_file_and_overrides(void)
{
  g_autofree char *path = write_tmp("[http]\nlisten = 0.0.0.0:9000\n");
  g_autoptr(config) cfg = config_new_defaults();
  g_autoptr(GError) error = NULL;
  g_assert_true(config_load_file(cfg, path, &error));
  g_assert_cmpstr(config_get_string(cfg, "http", "listen"), ==, "0.0.0.0:9000");
  g_assert_true(config_set_override(cfg, "http.listen=[::1]:0", &error));
  g_assert_no_error(error);
  g_assert_cmpstr(config_get_string(cfg, "http", "listen"), ==, "[::1]:0");
  g_assert_true(config_validate(cfg, NULL));
  g_unlink(path);
}

static void
test_unknown_and_bad(void)
{
  g_autofree char *path = write_tmp("[http]\nlisten = 127.0.0.1:99999\nlisen = x\n[nonsense]\na = b\n");
  g_autoptr(config) cfg = config_new_defaults();
  g_autofree char *problems = NULL;
  g_assert_true(config_load_file(cfg, path, NULL));
  g_assert_false(config_validate(cfg, &problems));
  g_test_message("%s", problems);
  g_assert_nonnull(strstr(problems, "http.lisen: unknown key\n"));
  g_assert_nonnull(strstr(problems, "http.listen: port must be"));
  g_assert_nonnull(strstr(problems, "nonsense: unknown section\n"));
  g_unlink(path);
}

static void
test_allowed_origins(void)
{
  g_autoptr(config) cfg = config_new_defaults();
  g_autoptr(GError) error = NULL;
  g_autofree char *problems = NULL;
  g_assert_true(config_set_override(cfg, "http.allowed-origins= https://a.example , http://127.0.0.1:8080/,", &error));
  g_assert_true(config_validate(cfg, &problems));
  g_assert_true(config_set_override(cfg, "http.allowed-origins=https://a.example, null, https://b.example/path", &error));
  g_clear_pointer(&problems, g_free);
  g_assert_false(config_validate(cfg, &problems));
  g_test_message("%s", problems);
  g_assert_nonnull(strstr(problems, "http.allowed-origins: \"null\": "));
  g_assert_nonnull(strstr(problems, "http.allowed-origins: \"https://b.example/path\": "));
  g_assert_null(strstr(problems, "a.example\""));
}

/* [route] rules must name existing trunks; [sip] trusted must be networks. */
static void
test_route_and_trusted(void)
{
  g_autoptr(config) cfg = config_new_defaults();
  g_autoptr(GError) error = NULL;
  g_autofree char *problems = NULL;
  g_assert_true(config_set_override(cfg, "trunk:office.address=192.0.2.1:5060", &error));
  g_assert_true(config_set_override(cfg, "route.rules=+49900=deny, +49=office, @example.com=office", &error));
  g_assert_true(config_set_override(cfg, "sip.trusted=192.0.2.0/24, 2001:db8::/32", &error));
  g_assert_true(config_validate(cfg, &problems));
  g_assert_true(config_set_override(cfg, "route.rules=+49=office, +44=london", &error));
  g_assert_true(config_set_override(cfg, "sip.trusted=192.0.2.0/24, example.com", &error));
  g_assert_false(config_validate(cfg, &problems));
  g_test_message("%s", problems);
  g_assert_nonnull(strstr(problems, "route.rules: rule \"+44=london\": there is no [trunk:london]"));
  g_assert_nonnull(strstr(problems, "sip.trusted: \"example.com\" is not a network"));
}

static void
test_override_syntax(void)
{
  g_autoptr(config) cfg = config_new_defaults();
  const char *bad[] = { "http", "http=1", ".listen=1", "http.=1", "listen" };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(config_set_override(cfg, bad[i], &error));
    g_assert_nonnull(error);
  }
  g_autoptr(GError) error = NULL;
  g_assert_true(config_set_override(cfg, "general.certificate=/x.pem", &error));
  g_autofree char *problems = NULL;
  g_assert_false(config_validate(cfg, &problems));
  g_assert_nonnull(strstr(problems, "general.certificate: needs general.private-key"));
}

static void
test_listen_parse(void)
{
  static const struct {
    const char *text;
    gboolean ok;
    const char *host;
    guint16 port;
  } cases[] = {
    { "127.0.0.1:8080", TRUE, "127.0.0.1", 8080 },
    { "[::1]:0", TRUE, "::1", 0 },
    { "localhost:80", TRUE, "localhost", 80 },
    { "0.0.0.0:65535", TRUE, "0.0.0.0", 65535 },
    { "::1:80", FALSE, NULL, 0 },
    { "[::1]80", FALSE, NULL, 0 },
    { "[nothex]:80", FALSE, NULL, 0 },
    { "127.0.0.1", FALSE, NULL, 0 },
    { "127.0.0.1:", FALSE, NULL, 0 },
    { "127.0.0.1:-1", FALSE, NULL, 0 },
    { "127.0.0.1:65536", FALSE, NULL, 0 },
    { ":80", FALSE, NULL, 0 },
    { "127.0.0.1:8o", FALSE, NULL, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *host = NULL;
    guint16 port = 1;
    const char *reason = NULL;
    gboolean ok = config_parse_listen(cases[i].text, &host, &port, &reason);
    g_assert_cmpint(ok, ==, cases[i].ok);
    if (ok) {
      g_assert_cmpstr(host, ==, cases[i].host);
      g_assert_cmpuint(port, ==, cases[i].port);
    } else {
      g_assert_nonnull(reason);
    }
  }
}

static void
test_prefixed_sections(void)
{
  g_autoptr(config) cfg = config_new_defaults();
  g_assert_true(config_set_override(cfg, "trunk:office.nothing=1", NULL));
  g_auto(GStrv) names = config_sections_with_prefix(cfg, "trunk");
  g_assert_cmpuint(g_strv_length(names), ==, 1);
  g_assert_cmpstr(names[0], ==, "office");
}

static void
test_bad_file(void)
{
  g_autofree char *path = write_tmp("[http\nlisten\n");
  g_autoptr(config) cfg = config_new_defaults();
  g_autoptr(GError) error = NULL;
  g_assert_false(config_load_file(cfg, path, &error));
  g_assert_nonnull(strstr(error->message, path));
  g_unlink(path);
}

/* [http] certificate and private-key: both or neither; with both, a
 * non-loopback listener needs no allow-insecure, but still a token. */
static void
test_http_tls(void)
{
  struct {
    const char *sets[6];
    gboolean valid;
    const char *want[3];   /* problems that must be there */
    const char *absent[2]; /* and ones that must not */
  } cases[] = {
    { { "http.certificate=/c.pem" }, FALSE,
      { "http.private-key: http.certificate needs its private key too (both or neither)\n" }, { "http.listen: not a loopback" } },
    { { "http.private-key=/c.key" }, FALSE,
      { "http.certificate: http.private-key needs its certificate too (both or neither)\n" }, { "http.listen: not a loopback" } },
    { { "http.certificate=/c.pem", "http.private-key=/c.key" }, TRUE, { NULL }, { NULL } },
    { { "http.listen=0.0.0.0:443", "http.certificate=/c.pem", "http.private-key=/c.key", "browser.auth=token",
        "browser.secret=0123456789abcdef" }, TRUE, { NULL }, { NULL } },
    { { "http.listen=0.0.0.0:443", "http.certificate=/c.pem", "http.private-key=/c.key" }, FALSE,
      { "browser.auth: none lets anyone" }, { "http.listen: not a loopback" } },
    { { "http.listen=0.0.0.0:8080", "browser.auth=token", "browser.secret=0123456789abcdef" }, FALSE,
      { "http.listen: not a loopback address, and the page listener has no TLS: browsers give a page the "
        "microphone only on a secure origin", "Set http.certificate and http.private-key (PEM files)",
        "http.allow-insecure = true" }, { "browser.auth: none" } },
    /* Half a pair is no TLS. */
    { { "http.listen=192.0.2.1:443", "http.certificate=/c.pem", "browser.auth=token",
        "browser.secret=0123456789abcdef" }, FALSE,
      { "http.listen: not a loopback address", "http.private-key: http.certificate needs" }, { NULL } },
    { { "http.listen=[2001:db8::1]:8443", "http.allow-insecure=true", "browser.auth=token",
        "browser.secret=0123456789abcdef" }, TRUE, { NULL }, { NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(config) cfg = config_new_defaults();
    for (guint j = 0; cases[i].sets[j]; j++)
      g_assert_true(config_set_override(cfg, cases[i].sets[j], NULL));
    g_autofree char *problems = NULL;
    g_assert_cmpint(config_validate(cfg, &problems), ==, cases[i].valid);
    g_test_message("case %u: %s", i, problems ? problems : "(valid)");
    for (guint j = 0; j < G_N_ELEMENTS(cases[i].want) && cases[i].want[j]; j++)
      g_assert_nonnull(strstr(problems, cases[i].want[j]));
    for (guint j = 0; j < G_N_ELEMENTS(cases[i].absent) && cases[i].absent[j]; j++)
      g_assert_null(problems ? strstr(problems, cases[i].absent[j]) : NULL);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/file-and-overrides", test_file_and_overrides);
  g_test_add_func("/config/unknown-and-bad", test_unknown_and_bad);
  g_test_add_func("/config/allowed-origins", test_allowed_origins);
  g_test_add_func("/config/route-and-trusted", test_route_and_trusted);
  g_test_add_func("/config/override-syntax", test_override_syntax);
  g_test_add_func("/config/listen-parse", test_listen_parse);
  g_test_add_func("/config/prefixed-sections", test_prefixed_sections);
  g_test_add_func("/config/bad-file", test_bad_file);
  g_test_add_func("/config/http-tls", test_http_tls);
  return g_test_run();
}
