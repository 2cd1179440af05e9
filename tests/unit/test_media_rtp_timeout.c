/* RTP inactivity timeout in virtual time. */
#include "gateway/media/rtp_timeout.h"

#define S G_USEC_PER_SEC

static void
test_default_and_packets(void)
{
  rtp_timeout t;
  rtp_timeout_init(&t, 0, 100 * S);
  g_assert_cmpint(t.timeout_us, ==, 60 * S);
  g_assert_cmpint(rtp_timeout_next_deadline(&t), ==, 160 * S);
  g_assert_cmpint(rtp_timeout_last_packet(&t, RTP_TIMEOUT_FROM_SIP), ==, -1);
  g_assert_false(rtp_timeout_expired(&t, 160 * S - 1));
  /* One side keeps the call alive. */
  rtp_timeout_packet(&t, RTP_TIMEOUT_FROM_BROWSER, 150 * S);
  g_assert_false(rtp_timeout_expired(&t, 160 * S));
  g_assert_cmpint(rtp_timeout_next_deadline(&t), ==, 210 * S);
  rtp_timeout_packet(&t, RTP_TIMEOUT_FROM_SIP, 200 * S);
  rtp_timeout_packet(&t, RTP_TIMEOUT_FROM_SIP, 190 * S); /* out of order: ignored */
  g_assert_cmpint(rtp_timeout_last_packet(&t, RTP_TIMEOUT_FROM_SIP), ==, 200 * S);
  g_assert_cmpint(rtp_timeout_next_deadline(&t), ==, 260 * S);
  g_assert_false(rtp_timeout_expired(&t, 259 * S));
  g_assert_true(rtp_timeout_expired(&t, 260 * S));
  rtp_timeout_packet(&t, RTP_TIMEOUT_DIRECTIONS, 300 * S); /* bad direction: ignored */
  g_assert_true(rtp_timeout_expired(&t, 300 * S));
}

static void
test_disabled_while_on_hold(void)
{
  rtp_timeout t;
  rtp_timeout_init(&t, 5 * S, 0);
  rtp_timeout_packet(&t, RTP_TIMEOUT_FROM_SIP, 1 * S);
  rtp_timeout_set_enabled(&t, FALSE, 2 * S);
  g_assert_cmpint(rtp_timeout_next_deadline(&t), ==, -1);
  g_assert_false(rtp_timeout_expired(&t, 1000 * S));
  rtp_timeout_set_enabled(&t, TRUE, 1000 * S);
  g_assert_cmpint(rtp_timeout_next_deadline(&t), ==, 1005 * S);
  g_assert_false(rtp_timeout_expired(&t, 1004 * S));
  g_assert_true(rtp_timeout_expired(&t, 1005 * S));
  /* Enabling again while enabled does not push the deadline. */
  rtp_timeout_set_enabled(&t, TRUE, 1003 * S);
  g_assert_cmpint(rtp_timeout_next_deadline(&t), ==, 1005 * S);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/rtp-timeout/default-and-packets", test_default_and_packets);
  g_test_add_func("/media/rtp-timeout/disabled-while-on-hold", test_disabled_while_on_hold);
  return g_test_run();
}
