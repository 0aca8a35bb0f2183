/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the network mediator: shared by net.c (connect() mediation and
 * connection accounting), net_dns.c (the sandbox's resolver and the
 * supervisor's upstream queries) and net_proxy.c (HTTP CONNECT and SOCKS5).
 *
 * Everything here runs on the loop's thread.  A callback into the sandbox
 * (violation, limit) may free the sandbox and with it the whole mediator:
 * the functions that make one return false then, and their callers return
 * at once without touching anything.
 */
#ifndef QFS_NET_INTERNAL_H
#define QFS_NET_INTERNAL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "loop_internal.h"
#include "net.h"

bool net_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct net_addr *ret,
			    int *port);
/* @port < 0: none.  Return: the length of the sockaddr. */
socklen_t net_addr_to_sockaddr(const struct net_addr *a, int port, struct sockaddr_storage *ret);
/* "1.2.3.4", "2001:db8::1". */
void net_addr_format(const struct net_addr *a, char *buf, size_t size);
bool net_addr_equal(const struct net_addr *x, const struct net_addr *y);
bool net_addr_is_loopback(const struct net_addr *a);
bool net_addr_is_unspecified(const struct net_addr *a);

/*
 * The resolver (net_dns.c).
 */
struct net_dns;

/* The answer to a lookup: up to NET_DNS_MAX_ADDRS addresses, or an rcode. */
#define NET_DNS_MAX_ADDRS 16
struct net_dns_result {
	int rcode; /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN ... */
	size_t n;
	struct net_addr addrs[NET_DNS_MAX_ADDRS];
};

typedef void (*net_dns_fn)(const struct net_dns_result *res, void *userdata);
struct net_dns_lookup;

/* Serves the resolver on the @n UDP sockets @fds (borrowed). */
int net_dns_new(struct net *net, const int *fds, size_t n, struct net_dns **ret);
struct net_dns *net_dns_free(struct net_dns *dns);

/*
 * net_dns_lookup() - the addresses of @name (A, then AAAA when there is
 * none), asked upstream or taken from the cache, remembered as given out
 * for @name.  @fn is called from a later dispatch, never from inside this
 * call.  The caller has checked the name against the policy.
 * Return: 0 with *ret (cancel with net_dns_lookup_cancel() until @fn ran),
 * -ENOMEM.
 */
int net_dns_lookup(struct net_dns *dns, const char *name, net_dns_fn fn, void *userdata,
		   struct net_dns_lookup **ret);
void net_dns_lookup_cancel(struct net_dns_lookup *l);

/*
 * net_dns_names_of() - the names the resolver gave @addr out for, most
 * recent first, at most @max; pointers valid until the next call into the
 * resolver.  Return: how many.
 */
size_t net_dns_names_of(const struct net_dns *dns, const struct net_addr *addr, const char **ret,
			size_t max);

uint64_t net_dns_queries(const struct net_dns *dns);
uint64_t net_dns_refused(const struct net_dns *dns);

/*
 * DNS messages (net_dns.c), exposed for the unit tests.
 */
#define NET_DNS_NAME_MAX   253
#define NET_DNS_TYPE_A	   1
#define NET_DNS_TYPE_CNAME 5
#define NET_DNS_TYPE_AAAA  28
#define NET_DNS_TYPE_OPT   41

struct net_dns_question {
	uint16_t id;
	uint16_t flags;			 /* of the header */
	char name[NET_DNS_NAME_MAX + 1]; /* lower case, no trailing dot; "" for the root */
	bool valid_name;		 /* only [A-Za-z0-9_-] in its labels */
	uint16_t qtype, qclass;
	size_t end; /* offset just past the question */
	/* The question as sent, echoed in the answer (so that its case is). */
	uint8_t raw[NET_DNS_NAME_MAX + 2 + 4];
	size_t raw_len;
};

/* A query: one question, opcode QUERY.  Return: 0; -EBADMSG (malformed:
 * drop it), -EPROTO (well-formed header, but not a query we answer:
 * answer FORMERR/NOTIMP with the header's id). */
int net_dns_parse_query(const uint8_t *msg, size_t len, struct net_dns_question *q);

/* Answer to @q: @rcode and, when 0, @res's addresses of @q's type as
 * records of @q's name.  Return: the length, or -ENOSPC. */
ssize_t net_dns_build_answer(const struct net_dns_question *q, int rcode,
			     const struct net_dns_result *res, uint32_t ttl, uint8_t *out,
			     size_t cap);

/* A query for @name of @qtype with an EDNS0 record (payload 1232). */
ssize_t net_dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *out,
			    size_t cap);

/*
 * net_dns_parse_answer() - the response to the query (@id, @name, @qtype):
 * the addresses of @qtype owned by @name or by a name its CNAME chain
 * leads to, and the smallest TTL among the records used.
 * Return: 0 with @res filled (rcode from the header), -EBADMSG when it is
 * not the response to that query.
 */
int net_dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id, const char *name,
			 uint16_t qtype, struct net_dns_result *res, uint32_t *ttl);

/*
 * The proxies (net_proxy.c).
 */
struct net_proxy;
int net_proxy_new(struct net *net, int http_fd, int socks_fd, struct net_proxy **ret);
struct net_proxy *net_proxy_free(struct net_proxy *p);
uint64_t net_proxy_sessions(const struct net_proxy *p);

/*
 * What the three share (net.c).
 */
qfs_loop *net_loop(const struct net *net);
const qfs_policy *net_policy(const struct net *net);
struct net_dns *net_get_dns(const struct net *net);
size_t net_nameservers(const struct net *net, const struct net_nameserver **ret);

/* Whether the policy admits @name (a host name, lower case) on some port:
 * what the resolver asks before it gives addresses out. */
bool net_name_allowed(const struct net *net, const char *name);

/* Why a destination was refused, in the words of a violation. */
struct net_refusal {
	qfs_violation_type type;
	const char *syscall; /* static */
	char detail[512];
	char host[NET_DNS_NAME_MAX + 1]; /* "" when unknown */
	char address[INET6_ADDRSTRLEN];	 /* "" when unknown */
	int port;
};

/* The violation of @r (its strings point into @r). */
void net_refusal_violation(const struct net_refusal *r, pid_t pid, uint64_t time_ms,
			   qfs_violation *v);
/* Records it and delivers callbacks: only outside the listener's round.
 * Return: false when the sandbox was freed. */
bool net_report(struct net *net, const struct net_refusal *r, pid_t pid);

/*
 * net_check_destination() - may the plugin reach @addr:@port, named @name
 * (NULL: only the address is known; then the address itself, or the names
 * the resolver gave it out for, decide)?
 * Return: 1 allowed; 0 refused, with @ret saying why (counted, not yet
 * reported).
 */
int net_check_destination(struct net *net, const char *name, const struct net_addr *addr, int port,
			  const char *syscall, struct net_refusal *ret);

/*
 * A slot of max_network_connections for a connection the supervisor opens
 * (a proxy's upstream).  Return: 1 taken (give it back with
 * net_slot_release()), 0 refused (the limit event fired), -ECANCELED when
 * the event freed the sandbox.
 */
int net_slot_take(struct net *net, const char *host, int port, pid_t pid);
void net_slot_release(struct net *net);
/* A proxy's upstream connection was made (for the report). */
void net_count_connection(struct net *net);

/* A violation of type UnauthorizedNetworkAccess.  Return: false when the
 * sandbox was freed. */
bool net_violation(struct net *net, const char *detail, const char *syscall, const char *host,
		   const struct net_addr *addr, int port, pid_t pid);

#endif /* QFS_NET_INTERNAL_H */
