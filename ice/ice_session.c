/* The libnice adapter (see ice_session.h). */
#define G_LOG_DOMAIN "rtc2sip-ice"
#include "ice/ice_session.h"

#include <agent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>

struct ice_session {
  NiceAgent *agent;
  guint stream_id;
  ice_state state;
  char *local_ufrag, *local_pwd;
  gboolean remote_credentials_set;
  char *remote_ufrag, *remote_pwd;
  gboolean completed;
  gboolean gathering_done;
  ice_session_callbacks callbacks;
  gpointer user_data;
  gulong signal_ids[3];
  GMainContext *context; /* the caller's (the media worker's) */
};

const char *
ice_state_name(ice_state state)
{
  switch (state) {
  case ICE_STATE_NEW: return "new";
  case ICE_STATE_CHECKING: return "checking";
  case ICE_STATE_CONNECTED: return "connected";
  case ICE_STATE_FAILED: return "failed";
  }
  return "unknown";
}

static void
on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf, gpointer data)
{
  ice_session *s = data;
  if (s->callbacks.on_receive)
    s->callbacks.on_receive((const guint8 *)buf, len, s->user_data);
}

/* "a=candidate:…" from libnice, without its "a=". Caller frees. */
static char *
candidate_text(ice_session *s, NiceCandidate *cand)
{
  g_autofree char *line = nice_agent_generate_local_candidate_sdp(s->agent, cand);
  if (!line)
    return NULL;
  return g_strdup(g_str_has_prefix(line, "a=") ? line + 2 : line);
}

static void
on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
  ice_session *s = data;
  char *text = candidate_text(s, cand);
  if (!text)
    return;
  g_debug("local candidate %s", text);
  if (s->callbacks.on_candidate)
    s->callbacks.on_candidate(text, s->user_data);
  g_free(text);
}

static void
on_gathering_done(NiceAgent *agent, guint stream_id, gpointer data)
{
  ice_session *s = data;
  s->gathering_done = TRUE;
  if (s->callbacks.on_candidate)
    s->callbacks.on_candidate(NULL, s->user_data);
}

static void
set_state(ice_session *s, ice_state state)
{
  if (s->state == state)
    return;
  s->state = state;
  g_debug("ICE %s", ice_state_name(state));
  if (s->callbacks.on_state)
    s->callbacks.on_state(state, s->user_data);
}

static void
on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint nice_state,
                   gpointer data)
{
  ice_session *s = data;
  switch (nice_state) {
  case NICE_COMPONENT_STATE_CONNECTING:
    set_state(s, ICE_STATE_CHECKING);
    break;
  case NICE_COMPONENT_STATE_CONNECTED:
    set_state(s, ICE_STATE_CONNECTED);
    break;
  case NICE_COMPONENT_STATE_READY:
    set_state(s, ICE_STATE_CONNECTED);
    if (!s->completed && s->state == ICE_STATE_CONNECTED) {
      s->completed = TRUE;
      if (s->callbacks.on_completed)
        s->callbacks.on_completed(s->user_data);
    }
    break;
  case NICE_COMPONENT_STATE_FAILED:
    set_state(s, ICE_STATE_FAILED);
    break;
  default:
    break;
  }
}

ice_session *
ice_session_new(const ice_session_config *config, GError **error)
{
  NiceAgentOption options = NICE_AGENT_OPTION_ICE_TRICKLE;
  if (config->consent_freshness)
    options |= NICE_AGENT_OPTION_CONSENT_FRESHNESS;

  ice_session *s = g_new0(ice_session, 1);
  s->callbacks = config->callbacks;
  s->user_data = config->user_data;
  s->context = config->context;
  s->agent = nice_agent_new_full(config->context, NICE_COMPATIBILITY_RFC5245, options);
  g_object_set(s->agent, "controlling-mode", config->controlling, "ice-tcp", FALSE,
               "upnp", FALSE, "keepalive-conncheck", TRUE, NULL);
  if (config->stun_server)
    g_object_set(s->agent, "stun-server", config->stun_server, "stun-server-port",
                 (guint)config->stun_port, NULL);

  for (guint i = 0; config->addresses && config->addresses[i]; i++) {
    NiceAddress addr;
    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, config->addresses[i])) {
      g_set_error(error, ICE_ERROR, EINVAL, "ice.interfaces: %s is not an IP address",
                  config->addresses[i]);
      ice_session_free(s);
      return NULL;
    }
    nice_agent_add_local_address(s->agent, &addr);
  }

  s->stream_id = nice_agent_add_stream(s->agent, 1);
  if (!s->stream_id) {
    g_set_error(error, ICE_ERROR, EIO, "cannot add an ICE stream");
    ice_session_free(s);
    return NULL;
  }
  nice_agent_set_stream_name(s->agent, s->stream_id, "audio");
  if (config->port_min || config->port_max)
    nice_agent_set_port_range(s->agent, s->stream_id, 1, config->port_min, config->port_max);
  if (config->turn_server)
    nice_agent_set_relay_info(s->agent, s->stream_id, 1, config->turn_server, config->turn_port,
                              config->turn_username ? config->turn_username : "",
                              config->turn_password ? config->turn_password : "",
                              NICE_RELAY_TYPE_TURN_UDP);

  nice_agent_get_local_credentials(s->agent, s->stream_id, &s->local_ufrag, &s->local_pwd);
  s->signal_ids[0] = g_signal_connect(s->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), s);
  s->signal_ids[1] = g_signal_connect(s->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), s);
  s->signal_ids[2] = g_signal_connect(s->agent, "component-state-changed", G_CALLBACK(on_component_state), s);
  nice_agent_attach_recv(s->agent, s->stream_id, 1, config->context, on_recv, s);

  if (!nice_agent_gather_candidates(s->agent, s->stream_id)) {
    g_set_error(error, ICE_ERROR, EADDRNOTAVAIL,
                "cannot gather ICE candidates (no usable address or no free port in the range)");
    ice_session_free(s);
    return NULL;
  }
  return s;
}

void
ice_session_free(ice_session *s)
{
  if (!s)
    return;
  if (s->agent) {
    for (guint i = 0; i < G_N_ELEMENTS(s->signal_ids); i++)
      if (s->signal_ids[i])
        g_signal_handler_disconnect(s->agent, s->signal_ids[i]);
    if (s->stream_id) {
      /* Detach on our own context: a NULL context would move libnice's
       * socket sources to the main thread's default context until the
       * stream is removed, where the main loop could dispatch them while
       * this thread frees them. */
      nice_agent_attach_recv(s->agent, s->stream_id, 1, s->context, NULL, NULL);
      nice_agent_remove_stream(s->agent, s->stream_id);
    }
    g_object_unref(s->agent);
  }
  g_free(s->local_ufrag);
  g_free(s->local_pwd);
  g_free(s->remote_ufrag);
  g_free(s->remote_pwd);
  g_free(s);
}

const char *
ice_session_local_ufrag(const ice_session *s)
{
  return s->local_ufrag;
}

const char *
ice_session_local_pwd(const ice_session *s)
{
  return s->local_pwd;
}

int
ice_session_set_remote_credentials(ice_session *s, const char *ufrag, const char *pwd)
{
  if (!ufrag || !pwd || !*ufrag || !*pwd)
    return -EINVAL;
  if (!nice_agent_set_remote_credentials(s->agent, s->stream_id, ufrag, pwd))
    return -EINVAL;
  s->remote_credentials_set = TRUE;
  g_free(s->remote_ufrag);
  g_free(s->remote_pwd);
  s->remote_ufrag = g_strdup(ufrag);
  s->remote_pwd = g_strdup(pwd);
  return 0;
}

int
ice_session_add_remote_candidate(ice_session *s, const char *candidate, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  if (!candidate || !*candidate) {
    *reason = "empty candidate";
    return -EINVAL;
  }
  g_autofree char *line = g_str_has_prefix(candidate, "a=") ? g_strdup(candidate)
                                                            : g_strconcat("a=", candidate, NULL);
  /* The address is the 5th field: skip mDNS names, libnice cannot resolve them. */
  g_auto(GStrv) fields = g_strsplit(line, " ", 7);
  if (g_strv_length(fields) >= 6 && g_str_has_suffix(fields[4], ".local")) {
    *reason = "mDNS (.local) candidate skipped: the gateway cannot resolve it";
    return -ENOTSUP;
  }
  NiceCandidate *cand = nice_agent_parse_remote_candidate_sdp(s->agent, s->stream_id, line);
  if (!cand) {
    *reason = "not a candidate the ICE agent understands";
    return -EINVAL;
  }
  if (cand->component_id != 1) {
    nice_candidate_free(cand);
    *reason = "candidate for an RTCP component (rtcp-mux is required)";
    return -ENOTSUP;
  }
  GSList *list = g_slist_append(NULL, cand);
  int added = nice_agent_set_remote_candidates(s->agent, s->stream_id, 1, list);
  g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
  if (added < 1) {
    *reason = "the ICE agent refused the candidate";
    return -EINVAL;
  }
  return 0;
}

void
ice_session_remote_gathering_done(ice_session *s)
{
  nice_agent_peer_candidate_gathering_done(s->agent, s->stream_id);
}

int
ice_session_send(ice_session *s, const guint8 *buf, gsize len)
{
  /* While checks run, libnice sends on a pair that already answered (the
   * peer's DTLS may come first); before that, nice_agent_send fails. */
  if (s->state == ICE_STATE_NEW || s->state == ICE_STATE_FAILED)
    return -EAGAIN;
  int n = nice_agent_send(s->agent, s->stream_id, 1, (guint)len, (const gchar *)buf);
  return n < 0 ? -EAGAIN : n;
}

ice_state
ice_session_state(const ice_session *s)
{
  return s->state;
}

static const char *
candidate_type_name(NiceCandidateType type)
{
  switch (type) {
  case NICE_CANDIDATE_TYPE_HOST: return "host";
  case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
  case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
  case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "unknown";
}

char *
ice_session_selected_pair(ice_session *s)
{
  NiceCandidate *local = NULL, *remote = NULL;
  char la[NICE_ADDRESS_STRING_LEN], ra[NICE_ADDRESS_STRING_LEN];
  if (!nice_agent_get_selected_pair(s->agent, s->stream_id, 1, &local, &remote))
    return NULL;
  nice_address_to_string(&local->addr, la);
  nice_address_to_string(&remote->addr, ra);
  return g_strdup_printf("%s:%u %s <-> %s:%u %s", la, nice_address_get_port(&local->addr),
                         candidate_type_name(local->type), ra, nice_address_get_port(&remote->addr),
                         candidate_type_name(remote->type));
}

void
ice_handover_clear(ice_handover *h)
{
  if (h->fd >= 0)
    close(h->fd);
  h->fd = -1;
  g_free(h->local_ufrag);
  g_free(h->local_pwd);
  g_free(h->remote_ufrag);
  g_free(h->remote_pwd);
  g_free(h->pair);
  h->local_ufrag = h->local_pwd = h->remote_ufrag = h->remote_pwd = h->pair = NULL;
}

gboolean
ice_session_handover(ice_session *s, ice_handover *out)
{
  memset(out, 0, sizeof *out);
  out->fd = -1;
  NiceCandidate *local = NULL, *remote = NULL;
  if (!s->completed || s->state != ICE_STATE_CONNECTED || !s->remote_ufrag ||
      !nice_agent_get_selected_pair(s->agent, s->stream_id, 1, &local, &remote) ||
      local->type == NICE_CANDIDATE_TYPE_RELAYED || local->transport != NICE_CANDIDATE_TRANSPORT_UDP)
    return FALSE;
  GSocket *socket = nice_agent_get_selected_socket(s->agent, s->stream_id, 1);
  if (!socket)
    return FALSE;
  int fd = fcntl(g_socket_get_fd(socket), F_DUPFD_CLOEXEC, 0);
  g_object_unref(socket);
  if (fd < 0)
    return FALSE;
  out->fd = fd;
  nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&out->remote);
  out->remote_len = out->remote.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  gboolean controlling = FALSE;
  g_object_get(s->agent, "controlling-mode", &controlling, NULL);
  out->controlling = controlling;
  out->priority = local->priority;
  out->local_ufrag = g_strdup(s->local_ufrag);
  out->local_pwd = g_strdup(s->local_pwd);
  out->remote_ufrag = g_strdup(s->remote_ufrag);
  out->remote_pwd = g_strdup(s->remote_pwd);
  out->pair = ice_session_selected_pair(s);
  return TRUE;
}
