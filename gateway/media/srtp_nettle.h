/* nettle inside libsrtp2: AES-ICM (128/192/256), HMAC-SHA1 and AES-GCM
 * (128/256) for SRTP.
 *
 * Debian's libsrtp2 does its crypto through NSS, which costs about 2 us per
 * packet and operation. libsrtp2 lets a program swap the implementation of
 * a cipher or auth type in its crypto kernel (srtp_replace_cipher_type,
 * srtp_replace_auth_type); srtp_nettle_install puts nettle's AES (AES-NI
 * when the CPU has it), HMAC-SHA1 and GCM there. Everything above the
 * crypto (key derivation, ROC, replay window, packet layout) stays
 * libsrtp's, and the key derivation runs on the new AES-ICM too.
 *
 * media_srtp_global_init calls srtp_nettle_install once, right after
 * srtp_init and before any session exists. The environment variable
 * RTC2SIP_SRTP_CRYPTO=libsrtp skips the install (stock libsrtp crypto, for
 * comparisons and as an escape hatch); unset or "nettle" installs.
 *
 * Contexts are allocated in alloc/init only (never per packet); each is
 * used by the one thread that owns its SRTP session, and holds no global
 * state, so there is no lock. Figures: docs/performance.md.
 */
#pragma once
#include <glib.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

/* Installs the nettle types into libsrtp's crypto kernel (srtp_init must
 * have run). Once per process; later calls return the first outcome.
 * Returns 0 installed, 1 skipped by RTC2SIP_SRTP_CRYPTO=libsrtp, or -EIO
 * when libsrtp refused a type (its self-test failed): the stock type then
 * stays in place for that algorithm. */
int srtp_nettle_install(void);
/* TRUE once srtp_nettle_install has replaced every type. */
gboolean srtp_nettle_installed(void);
/* "nettle" or "libsrtp": who does the AES-CM/HMAC-SHA1 math; static. */
const char *srtp_nettle_backend(void);

/* The type tables themselves, for tests that feed vectors through the
 * libsrtp interface directly (alloc/init/set_iv/encrypt, init/compute). */
extern const srtp_cipher_type_t srtp_nettle_aes_icm_128;
extern const srtp_cipher_type_t srtp_nettle_aes_icm_192;
extern const srtp_cipher_type_t srtp_nettle_aes_icm_256;
extern const srtp_cipher_type_t srtp_nettle_aes_gcm_128;
extern const srtp_cipher_type_t srtp_nettle_aes_gcm_256;
extern const srtp_auth_type_t srtp_nettle_hmac_sha1;
