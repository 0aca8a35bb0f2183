/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The proxies of a mediated sandbox: HTTP (CONNECT, and plain requests
 * with an absolute http:// URL) on 127.0.0.1:3128 and SOCKS5 (CONNECT, no
 * authentication) on 127.0.0.1:1080 of the sandbox's namespace, named by
 * the proxy variables of its environment, for programs that leave name
 * resolution to a proxy.
 *
 * The same decisions as for a connect(): the destination named in the
 * request is checked against allowed_hosts on its port (a name by itself;
 * an address literally, or by the names the resolver gave it out for), a
 * refusal is a violation, every upstream connection holds a slot of
 * max_network_connections for as long as it lives.  Names are resolved by
 * the sandbox's resolver (so the addresses are remembered as given out for
 * them); the proxy never connects to the host's loopback, whatever a name
 * resolves to.
 *
 * A plain HTTP request is forwarded with its request line in origin form,
 * without its Proxy-* and Connection headers and with "Connection: close":
 * one request per connection, so that a second request on the same
 * connection cannot reach another host.  Then bytes are relayed both ways
 * through 64 KiB buffers, half-closes passed on, until both sides are
 * done.  At most 64 sessions at once; requests are at most 8 KiB.
 */
#include <arpa/inet.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <qfsandbox/enforcer.h>

#include "net_internal.h"
#include "util.h"

#define MAX_SESSIONS 64
#define REQUEST_MAX  8192
#define RELAY_BUFFER (64 * 1024)

enum proxy_kind { PROXY_HTTP, PROXY_SOCKS };

enum session_state {
	STATE_REQUEST,	  /* reading the request */
	STATE_RESOLVING,  /* waiting for the resolver */
	STATE_CONNECTING, /* waiting for the upstream connection */
	STATE_RELAY,
};

struct buffer {
	uint8_t *data;
	size_t len, off;
	bool eof; /* the reading side is done */
};

struct session {
	struct session *next;
	struct net_proxy *proxy;
	enum proxy_kind kind;
	enum session_state state;
	int client, upstream;
	struct loop_source *client_src, *upstream_src;
	struct net_dns_lookup *lookup;
	bool slot;
	bool socks_greeted;
	bool http_connect; /* CONNECT, not a plain request */
	char host[NET_DNS_NAME_MAX + 1];
	int port;
	struct net_addr addrs[NET_DNS_MAX_ADDRS];
	size_t n_addrs, next_addr;
	uint8_t request[REQUEST_MAX];
	size_t request_len;
	struct buffer to_upstream, to_client;
	bool upstream_shut, client_shut; /* we shut their write side */
};

struct net_proxy {
	struct net *net;
	int fds[2];
	struct loop_source *src[2];
	struct session *sessions;
	size_t n_sessions;
	uint64_t accepted;
};

static void on_accept(struct loop_source *src, uint32_t revents, void *userdata);

int net_proxy_new(struct net *net, int http_fd, int socks_fd, struct net_proxy **ret)
{
	struct net_proxy *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->net = net;
	p->fds[PROXY_HTTP] = http_fd;
	p->fds[PROXY_SOCKS] = socks_fd;
	for (int i = 0; i < 2; i++) {
		r = loop_source_new(net_loop(net), p->fds[i], EPOLLIN, on_accept, p, &p->src[i]);
		if (r < 0) {
			net_proxy_free(p);
			return r;
		}
	}
	*ret = p;
	return 0;
}

static void session_free(struct session *s)
{
	struct net_proxy *p = s->proxy;

	for (struct session **q = &p->sessions; *q; q = &(*q)->next)
		if (*q == s) {
			*q = s->next;
			break;
		}
	p->n_sessions--;
	net_dns_lookup_cancel(s->lookup);
	loop_source_free(s->client_src);
	loop_source_free(s->upstream_src);
	close_safe(s->client);
	close_safe(s->upstream);
	if (s->slot)
		net_slot_release(p->net);
	free(s->to_upstream.data);
	free(s->to_client.data);
	free(s);
}

struct net_proxy *net_proxy_free(struct net_proxy *p)
{
	if (!p)
		return NULL;
	while (p->sessions)
		session_free(p->sessions);
	for (int i = 0; i < 2; i++)
		loop_source_free(p->src[i]);
	free(p);
	return NULL;
}

uint64_t net_proxy_sessions(const struct net_proxy *p)
{
	return p ? p->accepted : 0;
}

/* Writes a short reply and ends the session. */
static void session_fail(struct session *s, const char *reply, size_t len)
{
	if (reply && send(s->client, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the client is gone or not reading: nothing to tell */
	}
	session_free(s);
}

static void http_fail(struct session *s, int code, const char *reason)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", code,
			 reason);
	session_fail(s, buf, (size_t)n);
}

enum socks_reply {
	SOCKS_OK = 0,
	SOCKS_FAILURE = 1,
	SOCKS_NOT_ALLOWED = 2,
	SOCKS_NET_UNREACHABLE = 3,
	SOCKS_HOST_UNREACHABLE = 4,
	SOCKS_REFUSED = 5,
	SOCKS_TIMEOUT = 6,
	SOCKS_COMMAND = 7,
	SOCKS_ADDRESS_TYPE = 8,
};

static void socks_reply_bytes(uint8_t out[10], int code)
{
	/* VER REP RSV ATYP=IPv4 BND.ADDR=0.0.0.0 BND.PORT=0 */
	const uint8_t r[10] = {5, (uint8_t)code, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(out, r, sizeof(r));
}

/* Denied, refused, unreachable...: the reply of each kind. */
enum failure { FAIL_BAD, FAIL_DENIED, FAIL_LIMIT, FAIL_NAME, FAIL_CONNECT, FAIL_LOOPBACK };

static const struct {
	int http;
	const char *reason;
	int socks;
} failures[] = {
	[FAIL_BAD] = {400, "Bad Request", SOCKS_FAILURE},
	[FAIL_DENIED] = {403, "Forbidden by the sandbox's allowed_hosts", SOCKS_NOT_ALLOWED},
	[FAIL_LIMIT] = {503, "Service Unavailable: max_network_connections reached", SOCKS_FAILURE},
	[FAIL_NAME] = {502, "Bad Gateway: the name did not resolve", SOCKS_HOST_UNREACHABLE},
	[FAIL_CONNECT] = {502, "Bad Gateway", SOCKS_FAILURE},
	[FAIL_LOOPBACK] = {403, "Forbidden: the proxy does not connect to loopback",
			   SOCKS_NOT_ALLOWED},
};

static void fail(struct session *s, enum failure why, int error)
{
	if (s->kind == PROXY_SOCKS) {
		uint8_t r[10];
		int code = failures[why].socks;
		if (why == FAIL_CONNECT)
			code = error == ECONNREFUSED   ? SOCKS_REFUSED
			       : error == ENETUNREACH  ? SOCKS_NET_UNREACHABLE
			       : error == EHOSTUNREACH ? SOCKS_HOST_UNREACHABLE
			       : error == ETIMEDOUT    ? SOCKS_TIMEOUT
						       : SOCKS_FAILURE;
		socks_reply_bytes(r, code);
		session_fail(s, (const char *)r, sizeof(r));
		return;
	}
	http_fail(s, failures[why].http, failures[why].reason);
}

/* The relay. */

static void relay_update(struct session *s);

/* Moves bytes from @from into @b.  Return: false on an error. */
static bool fill(int from, struct buffer *b)
{
	while (!b->eof && b->len < RELAY_BUFFER) {
		ssize_t n = recv(from, b->data + b->len, RELAY_BUFFER - b->len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			return false;
		if (n == 0)
			b->eof = true;
		b->len += (size_t)n;
	}
	return true;
}

/* Moves bytes from @b to @to; passes an EOF on once drained. */
static bool drain(int to, struct buffer *b, bool *shut)
{
	while (b->off < b->len) {
		ssize_t n =
			send(to, b->data + b->off, b->len - b->off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			return false;
		b->off += (size_t)n;
	}
	b->off = b->len = 0;
	if (b->eof && !*shut) {
		shutdown(to, SHUT_WR);
		*shut = true;
	}
	return true;
}

static void on_relay(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct session *s = userdata;
	const bool upstream = src == s->upstream_src;

	if (!fill(s->client, &s->to_upstream) || !fill(s->upstream, &s->to_client) ||
	    !drain(s->upstream, &s->to_upstream, &s->upstream_shut) ||
	    !drain(s->client, &s->to_client, &s->client_shut) || (revents & EPOLLERR)) {
		session_free(s);
		return;
	}
	/* A hangup is both directions of that side at an end: what it sent
	 * was read above, what it was still to get cannot reach it. */
	if (revents & EPOLLHUP) {
		if (!upstream) {
			session_free(s);
			return;
		}
		s->to_client.eof = s->to_upstream.eof = true;
		s->to_upstream.len = s->to_upstream.off = 0;
		s->upstream_src = loop_source_free(s->upstream_src);
	}
	if (s->to_upstream.eof && s->to_client.eof && !s->to_upstream.len && !s->to_client.len) {
		session_free(s);
		return;
	}
	relay_update(s);
}

static void relay_update(struct session *s)
{
	uint32_t c = 0, u = 0;

	if (!s->to_upstream.eof && s->to_upstream.len < RELAY_BUFFER)
		c |= EPOLLIN;
	if (s->to_client.len)
		c |= EPOLLOUT;
	if (!s->to_client.eof && s->to_client.len < RELAY_BUFFER)
		u |= EPOLLIN;
	if (s->to_upstream.len)
		u |= EPOLLOUT;
	/* Nothing to wait for on a side: watch for its errors only. */
	if (loop_source_set_events(s->client_src, c) < 0 ||
	    (s->upstream_src && loop_source_set_events(s->upstream_src, u) < 0))
		session_free(s);
}

static bool append(struct buffer *b, const void *data, size_t len)
{
	if (b->len + len > RELAY_BUFFER)
		return false;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return true;
}

/* Rewrites a plain request for the origin server into @b. */
static bool http_forward_head(struct session *s, size_t head_len, struct buffer *b)
{
	const char *req = (const char *)s->request;
	const char *eol = memmem(req, head_len, "\r\n", 2);
	const char *sp1 = memchr(req, ' ', (size_t)(eol - req));
	const char *target = sp1 + 1;
	const char *sp2 = memchr(target, ' ', (size_t)(eol - target));
	const char *path = target + 7; /* past "http://" */

	while (path < sp2 && *path != '/' && *path != '?')
		path++;
	if (!append(b, req, (size_t)(sp1 - req + 1)))
		return false;
	if (path == sp2 || *path == '?')
		append(b, "/", 1);
	if (!append(b, path, (size_t)(sp2 - path)) || !append(b, sp2, (size_t)(eol + 2 - sp2)))
		return false;
	for (const char *line = eol + 2; line < req + head_len - 2;) {
		const char *end = memmem(line, (size_t)(req + head_len - line), "\r\n", 2);
		size_t len = (size_t)(end - line);
		static const char *const dropped[] = {"proxy-", "connection:", "keep-alive:"};
		bool drop = false;
		for (size_t i = 0; i < ARRAY_SIZE(dropped); i++)
			if (len >= strlen(dropped[i]) &&
			    !strncasecmp(line, dropped[i], strlen(dropped[i])))
				drop = true;
		if (!drop && !append(b, line, len + 2))
			return false;
		line = end + 2;
	}
	static const char close_it[] = "Connection: close\r\n\r\n";
	return append(b, close_it, sizeof(close_it) - 1);
}

static void relay_start(struct session *s, size_t consumed)
{
	struct net_proxy *p = s->proxy;
	static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	uint8_t socks_ok[10];

	s->to_upstream.data = malloc(RELAY_BUFFER);
	s->to_client.data = malloc(RELAY_BUFFER);
	if (!s->to_upstream.data || !s->to_client.data) {
		fail(s, FAIL_CONNECT, ENOMEM);
		return;
	}
	if (s->kind == PROXY_SOCKS) {
		socks_reply_bytes(socks_ok, SOCKS_OK);
		append(&s->to_client, socks_ok, sizeof(socks_ok));
	} else if (s->http_connect) {
		append(&s->to_client, established, sizeof(established) - 1);
	} else if (!http_forward_head(s, consumed, &s->to_upstream)) {
		fail(s, FAIL_BAD, 0);
		return;
	}
	/* What the client sent after its request goes upstream. */
	if (!append(&s->to_upstream, s->request + consumed, s->request_len - consumed)) {
		fail(s, FAIL_BAD, 0);
		return;
	}
	s->state = STATE_RELAY;
	s->upstream_src = loop_source_free(s->upstream_src);
	if (loop_source_new(net_loop(p->net), s->upstream, 0, on_relay, s, &s->upstream_src) < 0) {
		session_free(s);
		return;
	}
	s->client_src = loop_source_free(s->client_src);
	if (loop_source_new(net_loop(p->net), s->client, 0, on_relay, s, &s->client_src) < 0) {
		session_free(s);
		return;
	}
	relay_update(s);
}

/* Connecting upstream. */

static size_t request_head_len(const struct session *s);
static void connect_next(struct session *s);

static void on_upstream_connected(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct session *s = userdata;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->upstream, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		net_count_connection(s->proxy->net);
		relay_start(s, request_head_len(s));
		return;
	}
	if (s->next_addr < s->n_addrs) {
		connect_next(s);
		return;
	}
	fail(s, FAIL_CONNECT, err);
}

static void connect_next(struct session *s)
{
	struct net_proxy *p = s->proxy;
	int err = EHOSTUNREACH;

	s->upstream_src = loop_source_free(s->upstream_src);
	s->upstream = close_safe(s->upstream);
	while (s->next_addr < s->n_addrs) {
		const struct net_addr *a = &s->addrs[s->next_addr++];
		struct sockaddr_storage ss;
		socklen_t len = net_addr_to_sockaddr(a, s->port, &ss);
		s->upstream = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->upstream < 0) {
			err = errno;
			continue;
		}
		if (connect(s->upstream, (struct sockaddr *)&ss, len) == 0 ||
		    errno == EINPROGRESS) {
			s->state = STATE_CONNECTING;
			if (loop_source_new(net_loop(p->net), s->upstream, EPOLLOUT,
					    on_upstream_connected, s, &s->upstream_src) < 0) {
				fail(s, FAIL_CONNECT, ENOMEM);
				return;
			}
			return;
		}
		err = errno;
		s->upstream = close_safe(s->upstream);
	}
	fail(s, FAIL_CONNECT, err);
}

/* The addresses are settled and allowed: take a slot and connect. */
static void connect_upstream(struct session *s)
{
	struct net *net = s->proxy->net;
	size_t k = 0;

	/* Never the host's loopback, whatever a name resolves to. */
	for (size_t i = 0; i < s->n_addrs; i++)
		if (!net_addr_is_loopback(&s->addrs[i]) && !net_addr_is_unspecified(&s->addrs[i]))
			s->addrs[k++] = s->addrs[i];
	if (s->n_addrs && !k) {
		fail(s, FAIL_LOOPBACK, 0);
		return;
	}
	s->n_addrs = k;
	if (!k) {
		fail(s, FAIL_NAME, 0);
		return;
	}
	int r = net_slot_take(net, s->host, s->port, 0);
	if (r < 0)
		return; /* the sandbox is gone, and we with it */
	if (r == 0) {
		fail(s, FAIL_LIMIT, 0);
		return;
	}
	s->slot = true;
	connect_next(s);
}

static void on_resolved(const struct net_dns_result *res, void *userdata)
{
	struct session *s = userdata;

	s->lookup = NULL;
	if (res->rcode != 0 || res->n == 0) {
		fail(s, FAIL_NAME, 0);
		return;
	}
	s->n_addrs = res->n;
	memcpy(s->addrs, res->addrs, res->n * sizeof(res->addrs[0]));
	connect_upstream(s);
}

/* Refused by the policy: the client is told, then the violation
 * reported (its callback may free the sandbox, and us with it). */
static void refused(struct session *s, const struct net_refusal *r)
{
	struct net *net = s->proxy->net;

	fail(s, FAIL_DENIED, 0);
	net_report(net, r, 0);
}

/* The request named @s->host and @s->port: decide and go on. */
static void request_ready(struct session *s)
{
	struct net *net = s->proxy->net;
	struct net_refusal refusal;
	struct net_addr a = {0};

	/* Client bytes wait in the socket until the relay starts. */
	loop_source_set_events(s->client_src, 0);
	if (s->port < 1 || s->port > 65535) {
		fail(s, FAIL_BAD, 0);
		return;
	}
	if (inet_pton(AF_INET, s->host, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s->host, a.a) == 1)
		a.family = AF_INET6;
	if (a.family) {
		struct sockaddr_storage ss;
		int port;
		socklen_t len = net_addr_to_sockaddr(&a, s->port, &ss);
		net_addr_from_sockaddr((struct sockaddr *)&ss, len, &a, &port); /* unmap */
		if (net_addr_is_loopback(&a) || net_addr_is_unspecified(&a)) {
			fail(s, FAIL_LOOPBACK, 0);
			return;
		}
		if (!net_check_destination(net, NULL, &a, s->port, "proxy", &refusal)) {
			refused(s, &refusal);
			return;
		}
		s->addrs[0] = a;
		s->n_addrs = 1;
		connect_upstream(s);
		return;
	}
	for (char *c = s->host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	size_t n = strlen(s->host);
	if (n && s->host[n - 1] == '.')
		s->host[n - 1] = '\0';
	if (streq(s->host, "localhost")) {
		fail(s, FAIL_LOOPBACK, 0);
		return;
	}
	if (qfs_policy_check_host(net_policy(net), s->host, s->port) < 0) {
		fail(s, FAIL_BAD, 0);
		return;
	}
	if (!net_check_destination(net, s->host, NULL, s->port, "proxy", &refusal)) {
		refused(s, &refusal);
		return;
	}
	s->state = STATE_RESOLVING;
	if (net_dns_lookup(net_get_dns(net), s->host, on_resolved, s, &s->lookup) < 0)
		fail(s, FAIL_NAME, 0);
}

/* Requests. */

static size_t http_head_len(const struct session *s)
{
	const char *end = memmem(s->request, s->request_len, "\r\n\r\n", 4);

	return end ? (size_t)(end - (const char *)s->request) + 4 : 0;
}

/* Splits "host:port" or "[v6]:port"; @default_port when there is none. */
static bool split_authority(const char *text, size_t len, int default_port, char *host,
			    size_t host_size, int *port)
{
	const char *end = text + len, *colon = NULL;
	size_t n;

	if (len && text[0] == '[') {
		const char *close = memchr(text, ']', len);
		if (!close)
			return false;
		n = (size_t)(close - text - 1);
		if (n >= host_size)
			return false;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		if (close + 1 < end && !colon)
			return false;
	} else {
		colon = memchr(text, ':', len);
		n = colon ? (size_t)(colon - text) : len;
		if (n == 0 || n >= host_size)
			return false;
		memcpy(host, text, n);
		host[n] = '\0';
	}
	*port = default_port;
	if (colon) {
		int p = 0;
		if (colon + 1 == end || end - colon > 6)
			return false;
		for (const char *c = colon + 1; c < end; c++) {
			if (*c < '0' || *c > '9')
				return false;
			p = p * 10 + (*c - '0');
		}
		*port = p;
	}
	return true;
}

static void http_request(struct session *s)
{
	size_t head = http_head_len(s);

	if (!head) {
		if (s->request_len == sizeof(s->request))
			http_fail(s, 431, "Request Header Fields Too Large");
		return;
	}
	const char *req = (const char *)s->request;
	const char *eol = memmem(req, head, "\r\n", 2);
	const char *sp1 = memchr(req, ' ', (size_t)(eol - req));
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp2 == sp1 + 1) {
		fail(s, FAIL_BAD, 0);
		return;
	}
	const char *target = sp1 + 1;
	size_t target_len = (size_t)(sp2 - target);
	if ((size_t)(sp1 - req) == 7 && !strncmp(req, "CONNECT", 7)) {
		s->http_connect = true;
		if (!split_authority(target, target_len, -1, s->host, sizeof(s->host), &s->port)) {
			fail(s, FAIL_BAD, 0);
			return;
		}
	} else {
		if (target_len < 8 || strncasecmp(target, "http://", 7)) {
			fail(s, FAIL_BAD, 0);
			return;
		}
		const char *auth = target + 7, *auth_end = auth;
		while (auth_end < sp2 && *auth_end != '/' && *auth_end != '?')
			auth_end++;
		if (memchr(auth, '@', (size_t)(auth_end - auth)) ||
		    !split_authority(auth, (size_t)(auth_end - auth), 80, s->host, sizeof(s->host),
				     &s->port)) {
			fail(s, FAIL_BAD, 0);
			return;
		}
	}
	request_ready(s);
}

/* Return: the SOCKS request's length once complete, else 0. */
static size_t socks_request_len(const struct session *s)
{
	const uint8_t *r = s->request;

	if (s->request_len < 5)
		return 0;
	switch (r[3]) {
	case 1:
		return 4 + 4 + 2;
	case 3:
		return 4 + 1 + (size_t)r[4] + 2;
	case 4:
		return 4 + 16 + 2;
	}
	return SIZE_MAX;
}

static void socks_request(struct session *s)
{
	const uint8_t *r = s->request;

	if (!s->socks_greeted) {
		if (s->request_len < 2 || s->request_len < 2u + r[1])
			return;
		bool none = false;
		for (size_t i = 0; i < r[1]; i++)
			none = none || r[2 + i] == 0;
		if (r[0] != 5 || !none) {
			static const uint8_t refuse[2] = {5, 0xff};
			session_fail(s, (const char *)refuse, sizeof(refuse));
			return;
		}
		static const uint8_t accept_none[2] = {5, 0};
		if (send(s->client, accept_none, sizeof(accept_none),
			 MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(accept_none)) {
			session_free(s);
			return;
		}
		size_t used = 2u + r[1];
		memmove(s->request, s->request + used, s->request_len - used);
		s->request_len -= used;
		s->socks_greeted = true;
	}
	size_t need = socks_request_len(s);
	if (need == SIZE_MAX || (s->request_len >= 4 && (r[0] != 5 || r[2] != 0))) {
		uint8_t reply[10];
		socks_reply_bytes(reply, need == SIZE_MAX ? SOCKS_ADDRESS_TYPE : SOCKS_FAILURE);
		session_fail(s, (const char *)reply, sizeof(reply));
		return;
	}
	if (!need || s->request_len < need)
		return;
	if (r[1] != 1) {
		uint8_t reply[10];
		socks_reply_bytes(reply, SOCKS_COMMAND);
		session_fail(s, (const char *)reply, sizeof(reply));
		return;
	}
	s->port = r[need - 2] << 8 | r[need - 1];
	if (r[3] == 1) {
		inet_ntop(AF_INET, r + 4, s->host, sizeof(s->host));
	} else if (r[3] == 4) {
		inet_ntop(AF_INET6, r + 4, s->host, sizeof(s->host));
	} else {
		size_t n = r[4];
		if (n == 0 || memchr(r + 5, '\0', n)) {
			fail(s, FAIL_BAD, 0);
			return;
		}
		memcpy(s->host, r + 5, n);
		s->host[n] = '\0';
	}
	request_ready(s);
}

static size_t request_head_len(const struct session *s)
{
	if (s->kind == PROXY_HTTP)
		return http_head_len(s);
	size_t n = socks_request_len(s);
	return n == SIZE_MAX ? s->request_len : n;
}

static void on_request(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct session *s = userdata;

	if (s->state != STATE_REQUEST) {
		/* Resolving or connecting: only a hangup brings us here. */
		if (revents & (EPOLLHUP | EPOLLERR))
			session_free(s);
		return;
	}
	for (;;) {
		if (s->request_len == sizeof(s->request))
			break;
		ssize_t n = recv(s->client, s->request + s->request_len,
				 sizeof(s->request) - s->request_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			session_free(s);
			return;
		}
		s->request_len += (size_t)n;
	}
	if (s->kind == PROXY_HTTP)
		http_request(s);
	else
		socks_request(s);
}

static void on_accept(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct net_proxy *p = userdata;
	int fd = loop_source_fd(src);
	enum proxy_kind kind = fd == p->fds[PROXY_HTTP] ? PROXY_HTTP : PROXY_SOCKS;

	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0)
			return;
		struct session *s = p->n_sessions < MAX_SESSIONS ? calloc(1, sizeof(*s)) : NULL;
		if (!s) {
			close(c);
			continue;
		}
		s->proxy = p;
		s->kind = kind;
		s->client = c;
		s->upstream = -1;
		if (loop_source_new(net_loop(p->net), c, EPOLLIN, on_request, s, &s->client_src) <
		    0) {
			close(c);
			free(s);
			continue;
		}
		s->next = p->sessions;
		p->sessions = s;
		p->n_sessions++;
		p->accepted++;
	}
}
