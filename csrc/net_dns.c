/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resolver of a mediated sandbox, served by the supervisor.
 *
 * The plugin's /etc/resolv.conf names 127.0.0.1; the UDP socket bound
 * there was made by the sandbox's first process in the sandbox's network
 * namespace and handed to us.  For each query we read:
 *
 *  - a name the policy does not admit (on any port) is answered NXDOMAIN
 *    and never asked upstream, so that even its lookup does not leave the
 *    machine; one violation per lookup (the A and AAAA queries a C library
 *    sends together, and their retries within a second, are one lookup);
 *  - an admitted name is asked upstream (A or AAAA only; other types are
 *    answered with no records), and the addresses that come back are the
 *    only ones we hand out, as records of the name the plugin asked for
 *    (CNAME chains are followed and flattened).  We remember which
 *    addresses we gave out for which name: the connect() mediation admits
 *    an address only for the names it was given for.
 *
 * Upstream queries are our own (fresh id, fresh source port, our own
 * question, EDNS0 for a 1232-byte answer), sent from the supervisor's
 * network namespace to the configured nameservers; nothing the plugin
 * wrote is forwarded.  Memory is bounded: 128 cached answers, 64 queries
 * in flight, 256 waiting askers, 4096 remembered addresses (the oldest
 * forgotten first).
 *
 * Messages are parsed with every length checked against the buffer, and
 * compression pointers may only point backwards (at most 32 of them per
 * name), so no message can make the parser loop or read out of bounds.
 */
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "net_internal.h"
#include "util.h"

#define DNS_HEADER	 12
#define DNS_FLAG_QR	 0x8000
#define DNS_FLAG_TC	 0x0200
#define DNS_FLAG_RD	 0x0100
#define DNS_FLAG_RA	 0x0080
#define DNS_OPCODE(f)	 (((f) >> 11) & 0xf)
#define DNS_RCODE(f)	 ((f)&0xf)
#define DNS_CLASS_IN	 1
#define DNS_EDNS_PAYLOAD 1232

enum {
	RCODE_NOERROR = 0,
	RCODE_FORMERR = 1,
	RCODE_SERVFAIL = 2,
	RCODE_NXDOMAIN = 3,
	RCODE_NOTIMP = 4,
	RCODE_REFUSED = 5,
};

#define CACHE_SIZE	     128
#define MAX_QUERIES	     64
#define MAX_WAITERS	     256
#define MAX_GIVEN	     4096
#define QUERY_TIMEOUT_USEC   (1000 * 1000)
#define MAX_TTL		     300 /* seconds we keep and hand out an answer */
#define NEGATIVE_TTL	     5
#define DATAGRAMS_PER_WAKEUP 64
#define DENIED_WINDOW_USEC   (1000 * 1000)

/* Wire format. */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/*
 * The name at @off: lower case, dotted, "" for the root.  *next receives
 * the offset after the name where it starts (past the first pointer).
 * Return: 0; -EINVAL for a well-formed name that is no host name (a byte
 * outside [A-Za-z0-9_-] in a label), *next still valid; -EBADMSG.
 */
static int read_name(const uint8_t *msg, size_t len, size_t off, bool pointers, char *out,
		     size_t *next)
{
	size_t pos = off, n = 0;
	bool jumped = false, invalid = false;
	unsigned hops = 0;

	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (!pointers || pos + 1 >= len)
				return -EBADMSG;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (target >= pos || ++hops > 32)
				return -EBADMSG;
			if (!jumped)
				*next = pos + 2;
			jumped = true;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG;
		if (l == 0)
			break;
		if (pos + 1 + l > len || n + (n ? 1 : 0) + l > NET_DNS_NAME_MAX)
			return -EBADMSG;
		if (n)
			out[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[pos + 1 + i];
			if (!host_char(c))
				invalid = true;
			out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		pos += 1 + (size_t)l;
	}
	if (!jumped)
		*next = pos + 1;
	out[n] = '\0';
	return invalid ? -EINVAL : 0;
}

int net_dns_parse_query(const uint8_t *msg, size_t len, struct net_dns_question *q)
{
	size_t next = 0;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER)
		return -EBADMSG;
	q->id = get16(msg);
	q->flags = get16(msg + 2);
	if (q->flags & DNS_FLAG_QR)
		return -EBADMSG; /* a response: never answer one */
	if (DNS_OPCODE(q->flags) != 0 || get16(msg + 4) != 1)
		return -EPROTO;
	int r = read_name(msg, len, DNS_HEADER, false, q->name, &next);
	if (r == -EBADMSG || next + 4 > len)
		return -EPROTO;
	q->valid_name = r == 0;
	q->qtype = get16(msg + next);
	q->qclass = get16(msg + next + 2);
	q->end = next + 4;
	q->raw_len = q->end - DNS_HEADER;
	memcpy(q->raw, msg + DNS_HEADER, q->raw_len);
	return 0;
}

static int family_of_type(uint16_t qtype)
{
	return qtype == NET_DNS_TYPE_A ? AF_INET : qtype == NET_DNS_TYPE_AAAA ? AF_INET6 : -1;
}

ssize_t net_dns_build_answer(const struct net_dns_question *q, int rcode,
			     const struct net_dns_result *res, uint32_t ttl, uint8_t *out,
			     size_t cap)
{
	const int family = family_of_type(q->qtype);
	size_t n = 0, pos;

	if (cap < DNS_HEADER + q->raw_len)
		return -ENOSPC;
	memset(out, 0, DNS_HEADER);
	put16(out, q->id);
	put16(out + 2,
	      (uint16_t)(DNS_FLAG_QR | (q->flags & DNS_FLAG_RD) | DNS_FLAG_RA | (rcode & 0xf)));
	put16(out + 4, q->raw_len ? 1 : 0);
	memcpy(out + DNS_HEADER, q->raw, q->raw_len);
	pos = DNS_HEADER + q->raw_len;
	for (size_t i = 0; rcode == RCODE_NOERROR && res && i < res->n; i++) {
		const struct net_addr *a = &res->addrs[i];
		size_t alen = a->family == AF_INET ? 4 : 16;
		if (a->family != family)
			continue;
		if (pos + 12 + alen > cap)
			return -ENOSPC;
		put16(out + pos, 0xc000 | DNS_HEADER); /* the question's name */
		put16(out + pos + 2, q->qtype);
		put16(out + pos + 4, DNS_CLASS_IN);
		put32(out + pos + 6, ttl);
		put16(out + pos + 10, (uint16_t)alen);
		memcpy(out + pos + 12, a->a, alen);
		pos += 12 + alen;
		n++;
	}
	put16(out + 6, (uint16_t)n);
	return (ssize_t)pos;
}

ssize_t net_dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *out, size_t cap)
{
	size_t pos = DNS_HEADER, len = strlen(name);

	if (len > NET_DNS_NAME_MAX || cap < DNS_HEADER + len + 2 + 4 + 11)
		return -ENOSPC;
	memset(out, 0, DNS_HEADER);
	put16(out, id);
	put16(out + 2, DNS_FLAG_RD);
	put16(out + 4, 1);
	put16(out + 10, 1); /* the OPT record */
	for (const char *label = name; *label;) {
		const char *dot = strchr(label, '.');
		size_t l = dot ? (size_t)(dot - label) : strlen(label);
		if (l == 0 || l > 63)
			return -EINVAL;
		out[pos++] = (uint8_t)l;
		memcpy(out + pos, label, l);
		pos += l;
		label += l + (dot ? 1 : 0);
	}
	out[pos++] = 0;
	put16(out + pos, qtype);
	put16(out + pos + 2, DNS_CLASS_IN);
	pos += 4;
	/* EDNS0: root name, type OPT, the payload size in the class field. */
	out[pos++] = 0;
	put16(out + pos, NET_DNS_TYPE_OPT);
	put16(out + pos + 2, DNS_EDNS_PAYLOAD);
	put32(out + pos + 4, 0);
	put16(out + pos + 8, 0);
	pos += 10;
	return (ssize_t)pos;
}

#define MAX_RECORDS 64
#define MAX_CHAIN   8

struct record {
	size_t owner; /* offset of the owner name */
	uint16_t type;
	uint32_t ttl;
	size_t rdata, rdlen;
};

static bool in_chain(char chain[][NET_DNS_NAME_MAX + 1], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(chain[i], name))
			return true;
	return false;
}

int net_dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id, const char *name,
			 uint16_t qtype, struct net_dns_result *res, uint32_t *ttl)
{
	char buf[NET_DNS_NAME_MAX + 1], chain[MAX_CHAIN][NET_DNS_NAME_MAX + 1];
	struct record rr[MAX_RECORDS];
	size_t n_rr = 0, n_chain = 1, pos = 0;
	const int family = family_of_type(qtype);
	uint32_t min_ttl = MAX_TTL;

	memset(res, 0, sizeof(*res));
	if (len < DNS_HEADER || get16(msg) != id)
		return -EBADMSG;
	uint16_t flags = get16(msg + 2);
	if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != 0 || get16(msg + 4) != 1)
		return -EBADMSG;
	if (read_name(msg, len, DNS_HEADER, true, buf, &pos) < 0 || !streq(buf, name) ||
	    pos + 4 > len || get16(msg + pos) != qtype || get16(msg + pos + 2) != DNS_CLASS_IN)
		return -EBADMSG;
	pos += 4;
	res->rcode = DNS_RCODE(flags);

	/* The answer section; a truncated one (TC) is used as far as it
	 * goes. */
	unsigned an = get16(msg + 6);
	for (unsigned i = 0; i < an && n_rr < MAX_RECORDS; i++) {
		struct record r = {.owner = pos};
		int e = read_name(msg, len, pos, true, buf, &pos);
		if (e == -EBADMSG || pos + 10 > len) {
			if (flags & DNS_FLAG_TC)
				break;
			return -EBADMSG;
		}
		r.type = get16(msg + pos);
		uint16_t class = get16(msg + pos + 2);
		r.ttl = get32(msg + pos + 4);
		r.rdlen = get16(msg + pos + 8);
		r.rdata = pos + 10;
		pos = r.rdata + r.rdlen;
		if (pos > len) {
			if (flags & DNS_FLAG_TC)
				break;
			return -EBADMSG;
		}
		if (e == 0 && class == DNS_CLASS_IN)
			rr[n_rr++] = r;
	}

	/* The CNAME chain from the question's name. */
	memcpy(chain[0], name, strlen(name) + 1);
	for (bool grew = true; grew && n_chain < MAX_CHAIN;) {
		grew = false;
		for (size_t i = 0; i < n_rr && n_chain < MAX_CHAIN; i++) {
			size_t end;
			char target[NET_DNS_NAME_MAX + 1];
			if (rr[i].type != NET_DNS_TYPE_CNAME ||
			    read_name(msg, len, rr[i].owner, true, buf, &end) < 0 ||
			    !in_chain(chain, n_chain, buf) ||
			    read_name(msg, rr[i].rdata + rr[i].rdlen, rr[i].rdata, true, target,
				      &end) < 0 ||
			    in_chain(chain, n_chain, target))
				continue;
			memcpy(chain[n_chain++], target, strlen(target) + 1);
			if (rr[i].ttl < min_ttl)
				min_ttl = rr[i].ttl;
			grew = true;
		}
	}

	for (size_t i = 0; i < n_rr && res->n < NET_DNS_MAX_ADDRS; i++) {
		size_t end;
		if (rr[i].type != qtype || rr[i].rdlen != (family == AF_INET ? 4u : 16u) ||
		    read_name(msg, len, rr[i].owner, true, buf, &end) < 0 ||
		    !in_chain(chain, n_chain, buf))
			continue;
		struct net_addr a = {.family = family};
		memcpy(a.a, msg + rr[i].rdata, rr[i].rdlen);
		bool seen = false;
		for (size_t j = 0; j < res->n; j++)
			seen = seen || net_addr_equal(&res->addrs[j], &a);
		if (seen)
			continue;
		res->addrs[res->n++] = a;
		if (rr[i].ttl < min_ttl)
			min_ttl = rr[i].ttl;
	}
	*ttl = min_ttl;
	return 0;
}

/*
 * The resolver.
 */

struct cache_entry {
	char name[NET_DNS_NAME_MAX + 1];
	uint16_t qtype;
	uint64_t expires_usec;
	uint32_t ttl;
	struct net_dns_result res;
};

struct given {
	struct net_addr addr;
	char name[NET_DNS_NAME_MAX + 1];
};

enum waiter_kind { WAITER_CLIENT, WAITER_LOOKUP };

struct waiter {
	struct waiter *next;
	enum waiter_kind kind;
	int fd; /* WAITER_CLIENT: the socket it asked on */
	struct sockaddr_storage from;
	socklen_t from_len;
	struct net_dns_question q;
	struct net_dns_lookup *lookup; /* WAITER_LOOKUP */
};

struct upstream {
	struct upstream *next;
	struct net_dns *dns;
	char name[NET_DNS_NAME_MAX + 1];
	uint16_t qtype, id;
	unsigned attempt;
	int fd;
	struct loop_source *src;
	struct loop_timer *timer;
	struct waiter *waiters;
};

struct net_dns_lookup {
	struct net_dns_lookup *next;
	struct net_dns *dns;
	char name[NET_DNS_NAME_MAX + 1];
	uint16_t qtype; /* being asked: A, then AAAA */
	net_dns_fn fn;
	void *userdata;
	struct loop_timer *deliver; /* fires the callback from a dispatch */
	struct net_dns_result res;
	bool waiting; /* a waiter of an upstream query */
};

struct denied {
	char name[NET_DNS_NAME_MAX + 1];
	uint64_t when_usec;
};

struct server {
	struct net_dns *dns;
	int fd;
	struct loop_source *src;
};

struct net_dns {
	struct net *net;
	struct server servers[NET_MAX_DNS];
	size_t n_servers;
	struct upstream *upstreams;
	size_t n_upstreams, n_waiters;
	struct net_dns_lookup *lookups;
	struct cache_entry cache[CACHE_SIZE];
	struct given *given; /* a ring of MAX_GIVEN, allocated as it fills */
	size_t n_given, given_head, cap_given;
	struct denied denied[8];
	size_t denied_next;
	uint64_t queries, refused;
	uint16_t next_id;
};

static void on_query(struct loop_source *src, uint32_t revents, void *userdata);

int net_dns_new(struct net *net, const int *fds, size_t n, struct net_dns **ret)
{
	struct net_dns *dns = calloc(1, sizeof(*dns));
	int r;

	if (!dns)
		return -ENOMEM;
	dns->net = net;
	for (size_t i = 0; i < n && i < NET_MAX_DNS; i++) {
		struct server *s = &dns->servers[dns->n_servers++];
		s->dns = dns;
		s->fd = fds[i];
		r = loop_source_new(net_loop(net), s->fd, EPOLLIN, on_query, s, &s->src);
		if (r < 0) {
			net_dns_free(dns);
			return r;
		}
	}
	*ret = dns;
	return 0;
}

static void upstream_free(struct upstream *u)
{
	struct net_dns *dns = u->dns;

	for (struct upstream **p = &dns->upstreams; *p; p = &(*p)->next)
		if (*p == u) {
			*p = u->next;
			break;
		}
	dns->n_upstreams--;
	for (struct waiter *w = u->waiters, *next; w; w = next) {
		next = w->next;
		if (w->kind == WAITER_LOOKUP)
			w->lookup->waiting = false;
		free(w);
		dns->n_waiters--;
	}
	loop_source_free(u->src);
	loop_timer_free(u->timer);
	close_safe(u->fd);
	free(u);
}

struct net_dns *net_dns_free(struct net_dns *dns)
{
	if (!dns)
		return NULL;
	while (dns->upstreams)
		upstream_free(dns->upstreams);
	while (dns->lookups)
		net_dns_lookup_cancel(dns->lookups);
	for (size_t i = 0; i < dns->n_servers; i++)
		loop_source_free(dns->servers[i].src);
	free(dns->given);
	free(dns);
	return NULL;
}

uint64_t net_dns_queries(const struct net_dns *dns)
{
	return dns ? dns->queries : 0;
}

uint64_t net_dns_refused(const struct net_dns *dns)
{
	return dns ? dns->refused : 0;
}

/* The addresses given out. */

static void given_add(struct net_dns *dns, const char *name, const struct net_dns_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		/* Already the newest entry for this address and name. */
		bool fresh = false;
		for (size_t k = 0; k < dns->n_given && k < 8 && !fresh; k++) {
			const struct given *g =
				&dns->given[(dns->given_head + dns->n_given - 1 - k) % MAX_GIVEN];
			fresh = net_addr_equal(&g->addr, &res->addrs[i]) && streq(g->name, name);
		}
		if (fresh)
			continue;
		if (dns->n_given == dns->cap_given && dns->cap_given < MAX_GIVEN) {
			size_t cap = dns->cap_given ? dns->cap_given * 2 : 64;
			struct given *v = realloc(dns->given, cap * sizeof(*v));
			if (!v)
				return; /* then the address stays unknown: refused */
			dns->given = v;
			dns->cap_given = cap;
		}
		size_t slot;
		if (dns->n_given == MAX_GIVEN) {
			slot = dns->given_head;
			dns->given_head = (dns->given_head + 1) % MAX_GIVEN;
		} else {
			slot = dns->n_given++;
		}
		dns->given[slot].addr = res->addrs[i];
		snprintf(dns->given[slot].name, sizeof(dns->given[slot].name), "%s", name);
	}
}

size_t net_dns_names_of(const struct net_dns *dns, const struct net_addr *addr, const char **ret,
			size_t max)
{
	size_t n = 0;

	for (size_t k = 0; dns && k < dns->n_given && n < max; k++) {
		const struct given *g =
			&dns->given[(dns->given_head + dns->n_given - 1 - k) % MAX_GIVEN];
		if (net_addr_equal(&g->addr, addr))
			ret[n++] = g->name;
	}
	return n;
}

/* The cache. */

static struct cache_entry *cache_find(struct net_dns *dns, const char *name, uint16_t qtype)
{
	uint64_t now = loop_now_usec();

	for (size_t i = 0; i < CACHE_SIZE; i++) {
		struct cache_entry *c = &dns->cache[i];
		if (c->expires_usec > now && c->qtype == qtype && streq(c->name, name))
			return c;
	}
	return NULL;
}

static void cache_put(struct net_dns *dns, const char *name, uint16_t qtype,
		      const struct net_dns_result *res, uint32_t ttl)
{
	struct cache_entry *victim = &dns->cache[0];

	if (ttl > MAX_TTL)
		ttl = MAX_TTL;
	if (ttl == 0)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		struct cache_entry *c = &dns->cache[i];
		if (c->qtype == qtype && streq(c->name, name)) {
			victim = c;
			break;
		}
		if (c->expires_usec < victim->expires_usec)
			victim = c;
	}
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->qtype = qtype;
	victim->res = *res;
	victim->ttl = ttl;
	victim->expires_usec = loop_now_usec() + (uint64_t)ttl * 1000000u;
}

/* Answering the plugin. */

static void answer(int fd, const struct sockaddr_storage *to, socklen_t to_len,
		   const struct net_dns_question *q, int rcode, const struct net_dns_result *res,
		   uint32_t ttl)
{
	uint8_t out[512 + 32 * NET_DNS_MAX_ADDRS];
	ssize_t n = net_dns_build_answer(q, rcode, res, ttl, out, sizeof(out));

	if (n < 0)
		n = net_dns_build_answer(q, RCODE_SERVFAIL, NULL, 0, out, sizeof(out));
	/* Non-blocking: an asker that does not read loses the answer, as
	 * over any network. */
	if (n > 0 && sendto(fd, out, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
			    (const struct sockaddr *)to, to_len) < 0) {
		/* dropped */
	}
}

static void lookup_progress(struct net_dns_lookup *l, const struct net_dns_result *res);

static void complete(struct net_dns *dns, struct waiter *waiters, const char *name,
		     const struct net_dns_result *res, uint32_t ttl)
{
	if (res->rcode == RCODE_NOERROR && res->n)
		given_add(dns, name, res);
	for (struct waiter *w = waiters, *next; w; w = next) {
		next = w->next;
		if (w->kind == WAITER_CLIENT)
			answer(w->fd, &w->from, w->from_len, &w->q, res->rcode, res, ttl);
		else
			lookup_progress(w->lookup, res);
		free(w);
		dns->n_waiters--;
	}
}

/* Upstream. */

static uint16_t random_id(struct net_dns *dns)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(loop_now_usec() ^ ++dns->next_id * 40503u);
	return id;
}

static void upstream_finish(struct upstream *u, const struct net_dns_result *res, uint32_t ttl)
{
	struct net_dns *dns = u->dns;
	struct waiter *waiters = u->waiters;
	char name[NET_DNS_NAME_MAX + 1];

	snprintf(name, sizeof(name), "%s", u->name);
	if (res->rcode == RCODE_NOERROR || res->rcode == RCODE_NXDOMAIN)
		cache_put(dns, name, u->qtype, res, res->n ? ttl : NEGATIVE_TTL);
	u->waiters = NULL;
	upstream_free(u);
	complete(dns, waiters, name, res, ttl);
}

static int upstream_send(struct upstream *u)
{
	const struct net_nameserver *servers;
	size_t n_servers = net_nameservers(u->dns->net, &servers);
	uint8_t q[NET_DNS_NAME_MAX + 64];

	if (!n_servers)
		return -ENOENT;
	const struct net_nameserver *s = &servers[u->attempt % n_servers];
	u->src = loop_source_free(u->src);
	u->fd = close_safe(u->fd);
	/* A fresh socket, hence a fresh source port, for every attempt. */
	u->fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	if (connect(u->fd, (const struct sockaddr *)&s->addr, s->len) < 0)
		return -errno;
	u->id = random_id(u->dns);
	ssize_t len = net_dns_build_query(u->id, u->name, u->qtype, q, sizeof(q));
	if (len < 0)
		return (int)len;
	if (send(u->fd, q, (size_t)len, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static void on_upstream(struct loop_source *src, uint32_t revents, void *userdata);
static void on_upstream_timeout(struct loop_timer *t, void *userdata);

static bool upstream_attempt(struct upstream *u)
{
	const struct net_nameserver *servers;
	size_t n = net_nameservers(u->dns->net, &servers);
	const unsigned max_attempts = n > 1 ? (unsigned)n * 2 : 2;

	while (u->attempt < max_attempts) {
		if (upstream_send(u) == 0 &&
		    loop_source_new(net_loop(u->dns->net), u->fd, EPOLLIN, on_upstream, u,
				    &u->src) == 0 &&
		    loop_timer_arm(u->timer, loop_now_usec() + QUERY_TIMEOUT_USEC) == 0)
			return true;
		u->attempt++;
	}
	return false;
}

static void upstream_fail(struct upstream *u)
{
	struct net_dns_result res = {.rcode = RCODE_SERVFAIL};

	upstream_finish(u, &res, 0);
}

static void on_upstream(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct upstream *u = userdata;
	uint8_t buf[4096];
	struct net_dns_result res;
	uint32_t ttl = 0;

	for (;;) {
		ssize_t n = recv(u->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			/* ICMP port unreachable and the like: next server. */
			u->attempt++;
			if (!upstream_attempt(u))
				upstream_fail(u);
			return;
		}
		/* Anything that is not the answer to our question is ignored:
		 * the socket is connected, so it came from the server. */
		if (net_dns_parse_answer(buf, (size_t)n, u->id, u->name, u->qtype, &res, &ttl) < 0)
			continue;
		if (res.rcode != RCODE_NOERROR && res.rcode != RCODE_NXDOMAIN) {
			u->attempt++;
			if (upstream_attempt(u))
				return;
		}
		upstream_finish(u, &res, ttl);
		return;
	}
}

static void on_upstream_timeout(struct loop_timer *t, void *userdata)
{
	struct upstream *u = userdata;

	u->attempt++;
	if (!upstream_attempt(u))
		upstream_fail(u);
}

/*
 * Joins the query for (@name, @qtype) in flight, or starts one.
 * Return: 0; -EAGAIN when the limits on queries or waiters are reached.
 */
static int ask(struct net_dns *dns, const char *name, uint16_t qtype, struct waiter *w)
{
	struct upstream *u;

	if (dns->n_waiters >= MAX_WAITERS)
		return -EAGAIN;
	for (u = dns->upstreams; u; u = u->next)
		if (u->qtype == qtype && streq(u->name, name))
			break;
	if (!u) {
		if (dns->n_upstreams >= MAX_QUERIES)
			return -EAGAIN;
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		u->dns = dns;
		u->fd = -1;
		u->qtype = qtype;
		snprintf(u->name, sizeof(u->name), "%s", name);
		if (loop_timer_new(net_loop(dns->net), on_upstream_timeout, u, &u->timer) < 0) {
			free(u);
			return -ENOMEM;
		}
		u->next = dns->upstreams;
		dns->upstreams = u;
		dns->n_upstreams++;
		if (!upstream_attempt(u)) {
			upstream_free(u);
			return -EAGAIN;
		}
	}
	w->next = u->waiters;
	u->waiters = w;
	dns->n_waiters++;
	return 0;
}

/* Lookups on behalf of the proxies. */

static void on_deliver(struct loop_timer *t, void *userdata)
{
	struct net_dns_lookup *l = userdata;
	net_dns_fn fn = l->fn;
	void *ud = l->userdata;
	struct net_dns_result res = l->res;

	net_dns_lookup_cancel(l);
	fn(&res, ud);
}

static void lookup_deliver(struct net_dns_lookup *l, const struct net_dns_result *res)
{
	l->res = *res;
	l->waiting = false;
	if (loop_timer_arm(l->deliver, loop_now_usec()) < 0)
		on_deliver(l->deliver, l);
}

static void lookup_ask(struct net_dns_lookup *l);

static void lookup_progress(struct net_dns_lookup *l, const struct net_dns_result *res)
{
	l->waiting = false;
	if (res->rcode == RCODE_NOERROR && res->n == 0 && l->qtype == NET_DNS_TYPE_A) {
		l->qtype = NET_DNS_TYPE_AAAA;
		lookup_ask(l);
		return;
	}
	lookup_deliver(l, res);
}

static void lookup_ask(struct net_dns_lookup *l)
{
	struct net_dns *dns = l->dns;
	const struct cache_entry *c = cache_find(dns, l->name, l->qtype);

	if (c) {
		if (c->res.n)
			given_add(dns, l->name, &c->res);
		lookup_progress(l, &c->res);
		return;
	}
	struct waiter *w = calloc(1, sizeof(*w));
	if (w) {
		w->kind = WAITER_LOOKUP;
		w->lookup = l;
		if (ask(dns, l->name, l->qtype, w) == 0) {
			l->waiting = true;
			return;
		}
		free(w);
	}
	struct net_dns_result fail = {.rcode = RCODE_SERVFAIL};
	lookup_deliver(l, &fail);
}

int net_dns_lookup(struct net_dns *dns, const char *name, net_dns_fn fn, void *userdata,
		   struct net_dns_lookup **ret)
{
	struct net_dns_lookup *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	if (loop_timer_new(net_loop(dns->net), on_deliver, l, &l->deliver) < 0) {
		free(l);
		return -ENOMEM;
	}
	l->dns = dns;
	l->fn = fn;
	l->userdata = userdata;
	l->qtype = NET_DNS_TYPE_A;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->next = dns->lookups;
	dns->lookups = l;
	*ret = l;
	lookup_ask(l);
	return 0;
}

void net_dns_lookup_cancel(struct net_dns_lookup *l)
{
	struct net_dns *dns;

	if (!l)
		return;
	dns = l->dns;
	if (l->waiting) {
		/* Take our waiter out of its query. */
		for (struct upstream *u = dns->upstreams; u; u = u->next)
			for (struct waiter **w = &u->waiters; *w; w = &(*w)->next)
				if ((*w)->kind == WAITER_LOOKUP && (*w)->lookup == l) {
					struct waiter *gone = *w;
					*w = gone->next;
					free(gone);
					dns->n_waiters--;
					goto unlinked;
				}
	}
unlinked:
	for (struct net_dns_lookup **p = &dns->lookups; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	loop_timer_free(l->deliver);
	free(l);
}

/* Queries from the plugin. */

static bool is_localhost(const char *name)
{
	size_t n = strlen(name);

	return streq(name, "localhost") || (n > 10 && streq(name + n - 10, ".localhost"));
}

static bool is_reverse(const char *name)
{
	size_t n = strlen(name);

	return (n >= 12 && streq(name + n - 12, "in-addr.arpa")) ||
	       (n >= 8 && streq(name + n - 8, "ip6.arpa"));
}

/* Whether a refusal of @name is a new lookup (and so a new violation). */
static bool denied_is_new(struct net_dns *dns, const char *name)
{
	uint64_t now = loop_now_usec();

	for (size_t i = 0; i < ARRAY_SIZE(dns->denied); i++)
		if (dns->denied[i].when_usec &&
		    now - dns->denied[i].when_usec < DENIED_WINDOW_USEC &&
		    streq(dns->denied[i].name, name))
			return false;
	struct denied *d = &dns->denied[dns->denied_next++ % ARRAY_SIZE(dns->denied)];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->when_usec = now;
	return true;
}

/* Return: false when a violation's callback freed the sandbox. */
static bool handle_query(struct net_dns *dns, int fd, const uint8_t *msg, size_t len,
			 const struct sockaddr_storage *from, socklen_t from_len)
{
	struct net_dns_question q;
	int r = net_dns_parse_query(msg, len, &q);

	if (r == -EBADMSG)
		return true;
	dns->queries++;
	if (r < 0) {
		int rcode = DNS_OPCODE(q.flags) != 0 ? RCODE_NOTIMP : RCODE_FORMERR;
		q.raw_len = 0;
		answer(fd, from, from_len, &q, rcode, NULL, 0);
		return true;
	}
	if (q.qclass != DNS_CLASS_IN || !q.valid_name || !q.name[0]) {
		answer(fd, from, from_len, &q, RCODE_REFUSED, NULL, 0);
		return true;
	}
	if (is_localhost(q.name)) {
		struct net_dns_result res = {.n = 2};
		res.addrs[0] = (struct net_addr){.family = AF_INET, .a = {127, 0, 0, 1}};
		res.addrs[1] = (struct net_addr){.family = AF_INET6, .a[15] = 1};
		answer(fd, from, from_len, &q, RCODE_NOERROR, &res, MAX_TTL);
		return true;
	}
	if (!net_name_allowed(dns->net, q.name)) {
		dns->refused++;
		answer(fd, from, from_len, &q, RCODE_NXDOMAIN, NULL, 0);
		if (is_reverse(q.name) || !denied_is_new(dns, q.name))
			return true;
		char detail[NET_DNS_NAME_MAX + 96];
		snprintf(detail, sizeof(detail),
			 "DNS lookup of %s refused: the name is not in allowed_hosts", q.name);
		return net_violation(dns->net, detail, NULL, q.name, NULL, -1, 0);
	}
	if (q.qtype != NET_DNS_TYPE_A && q.qtype != NET_DNS_TYPE_AAAA) {
		/* Only addresses are looked up for the plugin. */
		answer(fd, from, from_len, &q, RCODE_NOERROR, NULL, 0);
		return true;
	}
	const struct cache_entry *c = cache_find(dns, q.name, q.qtype);
	if (c) {
		if (c->res.n)
			given_add(dns, q.name, &c->res);
		uint64_t left = (c->expires_usec - loop_now_usec()) / 1000000u;
		answer(fd, from, from_len, &q, c->res.rcode, &c->res, (uint32_t)left);
		return true;
	}
	struct waiter *w = calloc(1, sizeof(*w));
	if (w) {
		w->kind = WAITER_CLIENT;
		w->fd = fd;
		w->q = q;
		memcpy(&w->from, from, from_len);
		w->from_len = from_len;
		if (ask(dns, q.name, q.qtype, w) == 0)
			return true;
		free(w);
	}
	answer(fd, from, from_len, &q, RCODE_SERVFAIL, NULL, 0);
	return true;
}

static void on_query(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct server *server = userdata;
	struct net_dns *dns = server->dns;
	uint8_t buf[1500];

	/* A bounded batch per wakeup: a flood must not starve the rest of
	 * the loop; level-triggered epoll brings us back for the rest. */
	for (int i = 0; i < DATAGRAMS_PER_WAKEUP; i++) {
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(server->fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &from_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (!handle_query(dns, server->fd, buf, (size_t)n, &from, from_len))
			return; /* the sandbox is gone */
	}
}
