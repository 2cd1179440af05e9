/* Configuration: a GKeyFile (INI) whose every key has an embedded default, so
 * the gateway runs without a file. Sources, later ones winning: the defaults,
 * the --config file, then each --set section.key=value.
 *
 * The schema (config.c) lists every section and key with its type, default
 * and a one-line description; docs/configuration.md mirrors it. Sections
 * named "prefix:NAME" (like [trunk:office]) are matched by their prefix. */
#pragma once
#include <glib.h>

typedef struct config config;

typedef enum {
  CONFIG_STRING,
  CONFIG_BOOL,
  CONFIG_UINT,   /* within [min, max] */
  CONFIG_LISTEN, /* HOST:PORT, [IPV6]:PORT; port 0 picks a free one */
  CONFIG_PATH,   /* empty means "the built-in choice" */
  CONFIG_LIST,   /* comma-separated words */
  CONFIG_ENUM,   /* one of the comma-separated words in `choices` */
} config_type;

typedef struct {
  const char *section; /* "http", or "trunk:*" for every [trunk:NAME] */
  const char *key;
  config_type type;
  const char *default_value;
  guint64 min, max;    /* CONFIG_UINT */
  const char *choices; /* CONFIG_ENUM, CONFIG_LIST: allowed words ("" = any) */
  gboolean secret;     /* never printed */
  const char *description;
} config_key;

/* The schema, terminated by an entry with section NULL. */
extern const config_key config_schema[];

#define CONFIG_ERROR (g_quark_from_static_string("rtc2sip-config"))

/* Empty configuration holding only the defaults. Never fails. */
config *config_new_defaults(void);
void config_free(config *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(config, config_free)

/* Merges an INI file over CFG. Errors name "section.key: reason" or the
 * file's syntax error with its line. */
gboolean config_load_file(config *cfg, const char *path, GError **error);
/* Applies one "section.key=value" override (the section may contain dots
 * only before the last dot: "trunk:office.proxy=…"). */
gboolean config_set_override(config *cfg, const char *assignment, GError **error);

/* Validates every key present: unknown sections and keys, bad values.
 * Returns FALSE with every problem, one "section.key: reason" a line, in
 * *PROBLEMS (caller frees). */
gboolean config_validate(const config *cfg, char **problems);

/* The effective configuration as INI text, secrets replaced by "(secret)".
 * Caller frees. */
char *config_to_string(const config *cfg);

/* Typed getters: callers ask only for keys of the schema (a programming
 * error otherwise) after config_validate succeeded. */
const char *config_get_string(const config *cfg, const char *section, const char *key);
gboolean config_get_bool(const config *cfg, const char *section, const char *key);
guint64 config_get_uint(const config *cfg, const char *section, const char *key);
/* Comma-separated list, words trimmed, empty words dropped. Caller frees. */
char **config_get_list(const config *cfg, const char *section, const char *key);
/* Names of the [PREFIX:NAME] sections present, e.g. every trunk. Caller frees. */
char **config_sections_with_prefix(const config *cfg, const char *prefix);

/* Splits "HOST:PORT" or "[V6]:PORT". Returns FALSE with a sentence in *REASON
 * (static) for bad input. *HOST is newly allocated. */
gboolean config_parse_listen(const char *text, char **host, guint16 *port, const char **reason);
/* Whether LISTEN (IP:PORT) is on a loopback address (127/8, ::1, localhost). */
gboolean config_listen_is_loopback(const char *listen);
