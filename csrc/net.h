/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network policy: what each level does with allow_network_access,
 * allowed_hosts and max_network_connections, the launcher's part of it,
 * and the supervisor's mediator.
 *
 * Modes (net_mode_of()):
 *
 *   HOST      Unrestricted: the host's network, nothing mediated or counted.
 *   NONE      network not allowed.  Sandboxed and Strict: a network
 *             namespace with only lo.  Limited (no namespace): the filter
 *             refuses AF_INET/AF_INET6 sockets and Landlock TCP bind and
 *             connect.  Every level above Unrestricted: socket() only for
 *             AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (AF_VSOCK reaches
 *             the hypervisor from any namespace).
 *   COUNTED   Limited with the network and no host list: the host's
 *             network; every TCP connect() is made by the supervisor on
 *             its own reference to the plugin's socket, so that it can be
 *             counted and limited.
 *   MEDIATED  Sandboxed and Strict with the network, and Limited with
 *             allowed_hosts: a network namespace with only lo, so the
 *             plugin has no route of its own.  In it the supervisor serves
 *             a DNS resolver (127.0.0.1:53, named by the private root's
 *             /etc/resolv.conf), an HTTP proxy (127.0.0.1:3128) and a SOCKS5
 *             proxy (127.0.0.1:1080); a TCP connect() to anywhere else is
 *             checked against allowed_hosts and made from the host side,
 *             and the connected host socket is installed in the plugin in
 *             place of its own (SECCOMP_IOCTL_NOTIF_ADDFD).
 *
 * In COUNTED and MEDIATED, Landlock refuses the plugin every TCP connect of
 * its own (the supervisor's are not subject to its domain) and the filter
 * sends connect() and listen() to the listener, so a plugin that races the
 * supervisor's reading of its arguments gains nothing: the supervisor acts
 * on its own copy of the address and its own reference to the socket, and
 * whatever the kernel lets through unmediated (SECCOMP_USER_NOTIF_FLAG_
 * CONTINUE, for non-TCP sockets) cannot make a TCP connection.
 */
#ifndef QFS_NET_H
#define QFS_NET_H

#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <qfsandbox/policy.h>
#include <qfsandbox/sandbox.h>

enum net_mode {
	NET_MODE_HOST = 0,
	NET_MODE_NONE = 1,
	NET_MODE_COUNTED = 2,
	NET_MODE_MEDIATED = 3,
};

/* The mode @policy asks for; the launcher may have to settle for less
 * (no network namespace) and says so in the report. */
enum net_mode net_mode_of(const qfs_policy *policy);
/* "host", "none", "counted", "mediated". */
const char *net_mode_name(enum net_mode mode);

/* Where the supervisor's services listen inside a mediated sandbox. */
#define NET_SERVICE_ADDR     "127.0.0.1"
#define NET_DNS_PORT	     53
#define NET_HTTP_PROXY_PORT  3128
#define NET_SOCKS_PROXY_PORT 1080

/* A destination address: IPv4 addresses are kept as themselves, never
 * as IPv4-mapped IPv6. */
struct net_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

/*
 * Where the sandbox's resolver listens (port 53): 127.0.0.1 in a private
 * root, whose /etc/resolv.conf says so; without one (Limited with
 * allowed_hosts) the plugin reads the host's /etc/resolv.conf, so the
 * resolver listens at each of its nameservers' addresses, which the child
 * adds to the sandbox's lo.  At most NET_MAX_DNS (glibc's MAXNS).
 * Return: how many.
 */
#define NET_MAX_DNS 3
size_t net_resolver_addresses(bool private_root, struct net_addr *ret);

/* The sockets the child creates in the sandbox's network namespace and
 * hands to the supervisor before it drops its capabilities (port 53 needs
 * CAP_NET_BIND_SERVICE there), in this order. */
enum net_child_socket {
	NET_SOCK_HTTP = 0,  /* TCP 127.0.0.1:3128, listening */
	NET_SOCK_SOCKS = 1, /* TCP 127.0.0.1:1080, listening */
	NET_SOCK_DNS = 2,   /* UDP, port 53: one per resolver address */
	NET_SOCK__MAX = NET_SOCK_DNS + NET_MAX_DNS,
};

/*
 * net_lo_add_address() - add @a (/32 or /128, no duplicate address
 * detection) to lo of the calling thread's network namespace.  Plain
 * syscalls only: the child uses it between clone and exec.
 * Return: 0 (also when it is there already) or -errno.
 */
int net_lo_add_address(const struct net_addr *a);

/*
 * Child side, async-signal-safe: add the resolver's addresses that are not
 * loopback to lo, and create the sockets above, non-blocking and CLOEXEC,
 * into @fds (*n_fds of them).  Return: 0, or -errno with @fds all closed.
 */
int net_child_sockets(const struct net_addr *dns, size_t n_dns, int fds[NET_SOCK__MAX],
		      size_t *n_fds);

/* The files a mediated private root gets instead of the host's. */
extern const char net_resolv_conf[];
extern const char net_hosts[];

/*
 * net_env_apply() - replace the proxy variables of the NULL-terminated,
 * malloc'ed @envp (each entry malloc'ed) with those naming the sandbox's
 * proxies: http_proxy, https_proxy, HTTP_PROXY, HTTPS_PROXY, ALL_PROXY,
 * all_proxy, no_proxy, NO_PROXY.
 * Return: 0 or -ENOMEM (then @envp is unchanged).
 */
int net_env_apply(char ***envp);

/*
 * The supervisor's side.
 */

#define NET_MAX_NAMESERVERS 8

/* A DNS server the supervisor asks ("upstream"). */
struct net_nameserver {
	struct sockaddr_storage addr; /* AF_INET or AF_INET6, with the port */
	socklen_t len;
};

/*
 * net_nameserver_parse() - "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353".
 * Return: 0, or -EINVAL.
 */
int net_nameserver_parse(const char *text, struct net_nameserver *ret);

/*
 * net_system_nameservers() - the nameservers of @resolv_conf (normally
 * /etc/resolv.conf), at most @max; 127.0.0.1 when it names none or cannot
 * be read, as the C library does.  Return: how many.
 */
size_t net_system_nameservers(const char *resolv_conf, struct net_nameserver *ret, size_t max);

struct net;

struct net_config {
	qfs_sandbox *sb; /* violations, limit events and usage go here */
	const qfs_policy *policy;
	enum net_mode mode;
	int listener;		/* the seccomp listener (borrowed) */
	int fds[NET_SOCK__MAX]; /* MEDIATED: taken over (closed by net_free()) */
	const struct net_nameserver *nameservers;
	size_t n_nameservers;
};

/*
 * net_new() - the mediator of one run.  Takes @cfg->fds even on failure.
 * Return: 0 with *ret, -ENOMEM, or the error of the loop.
 */
int net_new(qfs_loop *loop, const struct net_config *cfg, struct net **ret);
/* Closes everything, answers parked notifications (EINTR-free: the plugin
 * is gone by then).  NULL-safe; returns NULL. */
struct net *net_free(struct net *net);

struct notify;
struct enforcer;

/*
 * net_attach() - handle connect() and listen() of the plugin arriving at
 * @n (unless @e, the enforcer, refuses them outright: then they are its).
 * A handler answers at once, or parks the call and answers it from a
 * later dispatch; it calls no callback of the application (limit events
 * follow from a timer, violations go through the call).
 * Return: 0, or the error of notify_set_handler().
 */
int net_attach(struct net *net, struct notify *n, const struct enforcer *e);

/* Refreshes sb->usage.network_connections_used (closes are noticed
 * here) and _peak. */
void net_usage_refresh(struct net *net);

/* Counters for the report. */
struct net_stats {
	uint64_t connections;	 /* made for the plugin, in all */
	uint64_t refused_policy; /* connects and proxy requests refused by allowed_hosts */
	uint64_t refused_limit;	 /* refused by max_network_connections */
	uint64_t dns_queries;	 /* answered by the sandbox's resolver */
	uint64_t dns_refused;	 /* names refused by allowed_hosts */
	uint64_t proxy_sessions; /* HTTP and SOCKS5 proxy sessions accepted */
};
void net_get_stats(const struct net *net, struct net_stats *ret);

#endif /* QFS_NET_H */
