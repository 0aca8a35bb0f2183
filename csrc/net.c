/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network mediator: connect() and listen() of a plugin whose network is
 * COUNTED or MEDIATED (net.h), and the accounting of its connections.
 *
 * connect() arrives as a seccomp user notification.  We copy the address
 * out of the plugin's memory once and never look at that memory again, take
 * our own reference to the socket (pidfd_getfd) and decide on those two:
 *
 *  - not a TCP socket (Unix, UDP, netlink ...): the kernel continues the
 *    call as made.  In a mediated sandbox that reaches only the sandbox's
 *    own namespace; a racing thread that swaps in a TCP socket (even a host
 *    socket we installed earlier) meets Landlock, which refuses the plugin
 *    every TCP connect of its own.
 *  - a TCP socket of the sandbox's namespace, to its loopback: we connect
 *    our reference ourselves.  Inside the sandbox, e.g. to its proxies.
 *  - a TCP socket of the sandbox's namespace, to anywhere else: the
 *    destination is checked (allowed_hosts, by the names the resolver gave
 *    the address out for, or as a literal address) and counted against
 *    max_network_connections; we connect a new socket from the host side
 *    and install it in the plugin at the same descriptor number
 *    (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SETFD), so that the
 *    plugin reads and writes a real host socket at full speed.
 *  - COUNTED (the host's network): checked and counted, then we connect
 *    the plugin's own socket, keeping whatever it bound or set.
 *
 * The supervisor never blocks.  Our connects are non-blocking whatever the
 * plugin's socket says: a new socket is made SOCK_NONBLOCK, and the
 * plugin's own socket (whose O_NONBLOCK the plugin may flip under us, the
 * flag belongs to the shared open file) is connected with sendto(NULL, 0,
 * MSG_FASTOPEN | MSG_DONTWAIT), which the kernel turns into a non-blocking
 * connect of this one call and which with no data sends a plain SYN.  A
 * non-blocking plugin socket gets EINPROGRESS at once (the installed socket
 * carries the connect on); for a blocking one the notification is parked
 * and answered from the loop when the connection is made or fails.
 *
 * The new socket is installed as soon as its connect is under way, so
 * that the round trip an installation costs (the plugin's thread wakes to
 * take the descriptor, then wakes us) overlaps the handshake.
 * SECCOMP_ADDFD_FLAG_SEND would install and answer in one step, but it
 * answers with the new descriptor's number, and connect() must return 0;
 * so we install, then answer.  Should the plugin's thread be interrupted in
 * between, its connect() is restarted, finds the installed socket
 * connected to the same destination, and is answered 0.
 *
 * Options copied from the plugin's socket to a new one: O_NONBLOCK and
 * FD_CLOEXEC; SO_KEEPALIVE, SO_LINGER, SO_RCVTIMEO, SO_SNDTIMEO,
 * SO_OOBINLINE, SO_PRIORITY, SO_RCVLOWAT, and SO_RCVBUF/SO_SNDBUF when set
 * (they differ from a fresh socket's); TCP_NODELAY, TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT; IP_TOS,
 * IPV6_TCLASS, IPV6_V6ONLY.  Not copied: a local address the plugin bound
 * (it is one of the sandbox's namespace, meaningless outside), SO_MARK and
 * SO_BINDTODEVICE (privileged or namespace-bound), TCP_CONGESTION, and
 * MPTCP (the new socket is plain TCP).
 *
 * listen() is made on our reference when the socket is the sandbox's:
 * a host socket we installed must never become a listening socket on the
 * host (one whose connect failed is unbound again and could be).
 *
 * Accounting: an installed or counted connection is remembered by its
 * socket cookie and addresses; we keep no reference to it (the plugin's
 * close() must close it).  Whether it is still open is asked of the
 * kernel's socket diagnostics (NETLINK_SOCK_DIAG), by cookie: a socket
 * whose last descriptor was closed has no inode any more.  That question
 * is asked when the count reaches the limit (so the decision is exact),
 * when it would raise the peak, and whenever usage is sampled.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <qfsandbox/enforcer.h>

#include "decide.h"
#include "enforcer_internal.h"
#include "net_internal.h"
#include "notify.h"
#include "sandbox_internal.h"
#include "util.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define MAX_PARKED	     256
#define PARK_CHECK_USEC	     (1000 * 1000)
#define DIAG_BUFFER	     8192
#define RESOLV_CONF_MAX_READ 65536

/*
 * The plan's part.
 */

enum net_mode net_mode_of(const qfs_policy *policy)
{
	int level = qfs_policy_get_level(policy);

	if (level <= QFS_LEVEL_UNRESTRICTED)
		return NET_MODE_HOST;
	if (!qfs_policy_get_permission(policy, QFS_PERM_NETWORK_ACCESS))
		return NET_MODE_NONE;
	if (level >= QFS_LEVEL_SANDBOXED ||
	    qfs_policy_list_count(policy, QFS_LIST_ALLOWED_HOSTS) > 0)
		return NET_MODE_MEDIATED;
	return NET_MODE_COUNTED;
}

const char *net_mode_name(enum net_mode mode)
{
	static const char *const names[] = {"host", "none", "counted", "mediated"};

	return (size_t)mode < ARRAY_SIZE(names) ? names[mode] : "none";
}

const char net_resolv_conf[] = "# The sandbox's resolver, served by its supervisor.\n"
			       "nameserver " NET_SERVICE_ADDR "\n";
const char net_hosts[] = "127.0.0.1\tlocalhost qfsandbox\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n";

#define PROXY_HTTP  "http://" NET_SERVICE_ADDR ":3128"
#define PROXY_SOCKS "socks5h://" NET_SERVICE_ADDR ":1080"
#define NO_PROXY    "localhost,127.0.0.1,::1"

static const struct {
	const char *name, *value;
} proxy_env[] = {
	{"http_proxy", PROXY_HTTP},  {"https_proxy", PROXY_HTTP}, {"HTTP_PROXY", PROXY_HTTP},
	{"HTTPS_PROXY", PROXY_HTTP}, {"ALL_PROXY", PROXY_SOCKS},  {"all_proxy", PROXY_SOCKS},
	{"no_proxy", NO_PROXY},	     {"NO_PROXY", NO_PROXY},
};

static bool is_proxy_var(const char *entry)
{
	for (size_t i = 0; i < ARRAY_SIZE(proxy_env); i++) {
		size_t n = strlen(proxy_env[i].name);
		if (!strncmp(entry, proxy_env[i].name, n) && entry[n] == '=')
			return true;
	}
	return false;
}

int net_env_apply(char ***envp)
{
	size_t n = 0, k = 0;
	char **old = *envp;

	while (old && old[n])
		n++;
	char **v = calloc(n + ARRAY_SIZE(proxy_env) + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(proxy_env); i++)
		if (asprintf(&v[k++], "%s=%s", proxy_env[i].name, proxy_env[i].value) < 0) {
			v[--k] = NULL;
			for (size_t j = 0; j < k; j++)
				free(v[j]);
			free(v);
			return -ENOMEM;
		}
	for (size_t i = 0; i < n; i++) {
		if (is_proxy_var(old[i]))
			free(old[i]);
		else
			v[k++] = old[i];
	}
	free(old);
	*envp = v;
	return 0;
}

/*
 * Child side: syscalls only.
 */

int net_lo_add_address(const struct net_addr *a)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		struct rtattr local;
		uint8_t local_addr[16];
		struct rtattr address;
		uint8_t address_addr[16];
	} m;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct ifreq ifr = {.ifr_name = "lo"};
	const size_t alen = a->family == AF_INET ? 4 : 16;
	int r = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	memset(&m, 0, sizeof(m));
	/* Two attributes of RTA_LENGTH(alen) each, aligned. */
	const size_t attr = RTA_SPACE(alen);
	uint8_t *p = (uint8_t *)&m.local;
	struct rtattr *local = (struct rtattr *)p, *address = (struct rtattr *)(p + attr);
	local->rta_type = IFA_LOCAL;
	local->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(local), a->a, alen);
	address->rta_type = IFA_ADDRESS;
	address->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(address), a->a, alen);
	m.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(struct ifaddrmsg)) + 2 * attr);
	m.nh.nlmsg_type = RTM_NEWADDR;
	m.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	m.ifa.ifa_family = (uint8_t)a->family;
	m.ifa.ifa_prefixlen = (uint8_t)(alen * 8);
	m.ifa.ifa_flags = IFA_F_NODAD;
	m.ifa.ifa_scope = RT_SCOPE_HOST;
	m.ifa.ifa_index = (uint32_t)ifr.ifr_ifindex;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &m, m.nh.nlmsg_len, 0) < 0 || recv(fd, &ack, sizeof(ack), 0) < 0)
		r = -errno;
	else if (ack.nh.nlmsg_type == NLMSG_ERROR && ack.err.error && ack.err.error != -EEXIST)
		r = ack.err.error;
	close(fd);
	return r;
}

static int child_socket(int family, const uint8_t *addr, int type, int port, int *ret)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int one = 1, r = 0;
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		memcpy(&in->sin_addr, addr, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		memcpy(&in6->sin6_addr, addr, 16);
		len = sizeof(*in6);
	}
	if ((type == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0))
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret = fd;
	return 0;
}

int net_child_sockets(const struct net_addr *dns, size_t n_dns, int fds[NET_SOCK__MAX],
		      size_t *n_fds)
{
	static const uint8_t loopback[4] = {127, 0, 0, 1};
	static const int proxy_ports[] = {
		[NET_SOCK_HTTP] = NET_HTTP_PROXY_PORT, [NET_SOCK_SOCKS] = NET_SOCKS_PROXY_PORT};
	size_t n = 0;
	int r = 0;

	/* In the order of enum net_child_socket. */
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(proxy_ports); i++) {
		r = child_socket(AF_INET, loopback, SOCK_STREAM, proxy_ports[i], &fds[n]);
		n += r >= 0;
	}
	for (size_t i = 0; r >= 0 && i < n_dns && i < NET_MAX_DNS; i++) {
		if (!net_addr_is_loopback(&dns[i]))
			r = net_lo_add_address(&dns[i]);
		if (r >= 0)
			r = child_socket(dns[i].family, dns[i].a, SOCK_DGRAM, NET_DNS_PORT,
					 &fds[n]);
		n += r >= 0;
	}
	if (r < 0) {
		while (n > 0)
			close(fds[--n]);
		return r;
	}
	*n_fds = n;
	return 0;
}

size_t net_resolver_addresses(bool private_root, struct net_addr *ret)
{
	struct net_nameserver ns[NET_MAX_DNS];
	size_t n = 0;

	if (private_root) {
		ret[0] = (struct net_addr){.family = AF_INET, .a = {127, 0, 0, 1}};
		return 1;
	}
	size_t k = net_system_nameservers("/etc/resolv.conf", ns, NET_MAX_DNS);
	for (size_t i = 0; i < k; i++) {
		int port;
		struct net_addr a;
		if (!net_addr_from_sockaddr((struct sockaddr *)&ns[i].addr, ns[i].len, &a, &port))
			continue;
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen = seen || net_addr_equal(&ret[j], &a);
		if (!seen)
			ret[n++] = a;
	}
	return n;
}

/* Nameservers. */

int net_nameserver_parse(const char *text, struct net_nameserver *ret)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text = NULL;
	size_t n;
	struct net_nameserver s = {0};

	if (!text || !*text)
		return -EINVAL;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		n = (size_t)(end - text - 1);
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		port_text = end[1] ? end + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		bool v6 = colon && strchr(colon + 1, ':');
		n = v6 || !colon ? strlen(text) : (size_t)(colon - text);
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, text, n);
		host[n] = '\0';
		port_text = !v6 && colon ? colon + 1 : NULL;
	}
	long port = NET_DNS_PORT;
	if (port_text) {
		char *end;
		errno = 0;
		port = strtol(port_text, &end, 10);
		if (errno || end == port_text || *end || port < 1 || port > 65535)
			return -EINVAL;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)&s.addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&s.addr;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		s.len = sizeof(*in);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		s.len = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

size_t net_system_nameservers(const char *resolv_conf, struct net_nameserver *ret, size_t max)
{
	_cleanup_fclose_ FILE *f = fopen(resolv_conf, "re");
	char line[512];
	size_t n = 0;

	while (f && n < max && fgets(line, sizeof(line), f)) {
		char *save = NULL, *key = strtok_r(line, " \t\r\n", &save);
		char *value = key ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!key || !value || !streq(key, "nameserver"))
			continue;
		char *scope = strchr(value, '%');
		if (scope)
			continue; /* a link-local server: not reachable as text */
		if (net_nameserver_parse(value, &ret[n]) == 0 && !strchr(value, '[')) {
			/* resolv.conf has no port syntax: "1.2.3.4:53" is
			 * not an address there. */
			if ((ret[n].addr.ss_family == AF_INET && strchr(value, ':')))
				continue;
			n++;
		}
	}
	if (n == 0 && max > 0)
		net_nameserver_parse("127.0.0.1", &ret[n++]);
	return n;
}

/*
 * Addresses.
 */

bool net_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct net_addr *ret,
			    int *port)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(ret, 0, sizeof(*ret));
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		ret->family = AF_INET;
		memcpy(ret->a, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		*port = ntohs(in6->sin6_port);
		if (!memcmp(in6->sin6_addr.s6_addr, mapped, sizeof(mapped))) {
			ret->family = AF_INET;
			memcpy(ret->a, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			ret->family = AF_INET6;
			memcpy(ret->a, in6->sin6_addr.s6_addr, 16);
		}
		return true;
	}
	return false;
}

socklen_t net_addr_to_sockaddr(const struct net_addr *a, int port, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ret;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)(port < 0 ? 0 : port));
		memcpy(&in->sin_addr, a->a, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)(port < 0 ? 0 : port));
	memcpy(&in6->sin6_addr, a->a, 16);
	return sizeof(*in6);
}

void net_addr_format(const struct net_addr *a, char *buf, size_t size)
{
	if (!inet_ntop(a->family, a->a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

bool net_addr_equal(const struct net_addr *x, const struct net_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

bool net_addr_is_loopback(const struct net_addr *a)
{
	static const uint8_t one[16] = {[15] = 1};

	return a->family == AF_INET ? a->a[0] == 127 : !memcmp(a->a, one, 16);
}

bool net_addr_is_unspecified(const struct net_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->a, zero, a->family == AF_INET ? 4 : 16);
}

/*
 * The mediator.
 */

/* A connection we count: remembered by what the kernel's socket
 * diagnostics can find it by. */
struct conn {
	uint64_t cookie;
	int family; /* of the socket */
	struct sockaddr_storage local, remote;
};

/* A blocking connect() whose answer waits for the connection. */
struct park {
	struct park *next;
	struct net *net;
	uint64_t id;
	int sock; /* ours: the installed host socket, or our reference to the plugin's */
	struct loop_source *src;
};

struct net {
	qfs_sandbox *sb;
	const qfs_policy *policy;
	qfs_loop *loop;
	enum net_mode mode;
	int listener;
	int fds[NET_SOCK__MAX];
	uint64_t netns_cookie; /* MEDIATED: the sandbox's network namespace */
	bool has_hosts;
	int64_t limit;
	struct net_nameserver nameservers[NET_MAX_NAMESERVERS];
	size_t n_nameservers;

	/* A fresh TCP socket's buffer sizes in the namespace the plugin's
	 * sockets live in: an option that differs was set by the plugin. */
	int default_rcvbuf, default_sndbuf;

	struct conn *conns;
	size_t n_conns, cap_conns;
	uint32_t reserved; /* slots of connections being made, and of proxy upstreams */
	int diag_fd;

	struct park *parks;
	size_t n_parks;
	struct loop_timer *park_timer;

	struct net_dns *dns;
	struct net_proxy *proxy;
	struct net_stats stats;
	bool limit_reported;
	struct loop_timer *limit_timer; /* limit_exceeded, out of the listener's round */

	struct notify *notify;
	/* The strings of the violation a handler leaves in its call: they must
	 * outlive the handler, until the dispatcher's hook recorded them. */
	struct net_refusal refusal;
};

qfs_loop *net_loop(const struct net *net)
{
	return net->loop;
}

const qfs_policy *net_policy(const struct net *net)
{
	return net->policy;
}

struct net_dns *net_get_dns(const struct net *net)
{
	return net->dns;
}

size_t net_nameservers(const struct net *net, const struct net_nameserver **ret)
{
	*ret = net->nameservers;
	return net->n_nameservers;
}

static uint64_t sock_cookie(int fd, int level, int name)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	if (getsockopt(fd, level, name, &c, &len) < 0)
		return 0;
	return c;
}

static int sock_int(int fd, int level, int name, int *ret)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(fd, level, name, ret, &len) < 0)
		return -errno;
	return 0;
}

static void park_free(struct park *pk);
static void on_park_timer(struct loop_timer *t, void *userdata);
static void on_limit_timer(struct loop_timer *t, void *userdata);

int net_new(qfs_loop *loop, const struct net_config *cfg, struct net **ret)
{
	struct net *net = calloc(1, sizeof(*net));
	int r;

	if (!net) {
		for (int i = 0; i < NET_SOCK__MAX; i++)
			close_safe(cfg->fds[i]);
		return -ENOMEM;
	}
	net->sb = cfg->sb;
	net->policy = cfg->policy;
	net->loop = loop;
	net->mode = cfg->mode;
	net->listener = cfg->listener;
	net->diag_fd = -1;
	for (int i = 0; i < NET_SOCK__MAX; i++)
		net->fds[i] = cfg->fds[i];
	net->has_hosts = qfs_policy_list_count(cfg->policy, QFS_LIST_ALLOWED_HOSTS) > 0;
	net->limit = qfs_policy_get_limit(cfg->policy, QFS_LIMIT_NETWORK_CONNECTIONS);
	net->n_nameservers =
		cfg->n_nameservers < NET_MAX_NAMESERVERS ? cfg->n_nameservers : NET_MAX_NAMESERVERS;
	memcpy(net->nameservers, cfg->nameservers, net->n_nameservers * sizeof(*cfg->nameservers));

	r = loop_timer_new(loop, on_park_timer, net, &net->park_timer);
	if (r >= 0)
		r = loop_timer_new(loop, on_limit_timer, net, &net->limit_timer);
	if (r < 0)
		goto fail;
	if (net->mode == NET_MODE_MEDIATED) {
		size_t n_dns = 0;
		while (n_dns < NET_MAX_DNS && net->fds[NET_SOCK_DNS + n_dns] >= 0)
			n_dns++;
		if (net->fds[NET_SOCK_HTTP] < 0 || net->fds[NET_SOCK_SOCKS] < 0 || !n_dns) {
			r = -EBADF;
			goto fail;
		}
		/* Telling the sandbox's sockets from the host's needs
		 * SO_NETNS_COOKIE (Linux 5.14); without it nothing is
		 * mediated. */
		net->netns_cookie =
			sock_cookie(net->fds[NET_SOCK_HTTP], SOL_SOCKET, SO_NETNS_COOKIE);
		if (!net->netns_cookie) {
			r = -EOPNOTSUPP;
			goto fail;
		}
		sock_int(net->fds[NET_SOCK_HTTP], SOL_SOCKET, SO_RCVBUF, &net->default_rcvbuf);
		sock_int(net->fds[NET_SOCK_HTTP], SOL_SOCKET, SO_SNDBUF, &net->default_sndbuf);
		r = net_dns_new(net, &net->fds[NET_SOCK_DNS], n_dns, &net->dns);
		if (r >= 0)
			r = net_proxy_new(net, net->fds[NET_SOCK_HTTP], net->fds[NET_SOCK_SOCKS],
					  &net->proxy);
		if (r < 0)
			goto fail;
	} else {
		_cleanup_close_ int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (t >= 0) {
			sock_int(t, SOL_SOCKET, SO_RCVBUF, &net->default_rcvbuf);
			sock_int(t, SOL_SOCKET, SO_SNDBUF, &net->default_sndbuf);
		}
	}
	*ret = net;
	return 0;
fail:
	net_free(net);
	return r;
}

struct net *net_free(struct net *net)
{
	if (!net)
		return NULL;
	while (net->parks)
		park_free(net->parks);
	net->proxy = net_proxy_free(net->proxy);
	net->dns = net_dns_free(net->dns);
	loop_timer_free(net->park_timer);
	loop_timer_free(net->limit_timer);
	for (int i = 0; i < NET_SOCK__MAX; i++)
		close_safe(net->fds[i]);
	close_safe(net->diag_fd);
	free(net->conns);
	free(net);
	return NULL;
}

void net_get_stats(const struct net *net, struct net_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!net)
		return;
	*ret = net->stats;
	ret->dns_queries = net_dns_queries(net->dns);
	ret->dns_refused = net_dns_refused(net->dns);
	ret->proxy_sessions = net_proxy_sessions(net->proxy);
}

/* Decisions and reports. */

bool net_name_allowed(const struct net *net, const char *name)
{
	size_t n = qfs_policy_list_count(net->policy, QFS_LIST_ALLOWED_HOSTS);

	if (qfs_policy_check_host(net->policy, name, -1) == 1)
		return true;
	/* "name:443" admits the name on that port: its lookup is needed. */
	for (size_t i = 0; i < n; i++) {
		struct decide_host h;
		const char *entry = qfs_policy_list_get(net->policy, QFS_LIST_ALLOWED_HOSTS, i);
		if (decide_host_parse(entry, true, &h, NULL) == 0 && h.port > 0 &&
		    qfs_policy_check_host(net->policy, name, h.port) == 1)
			return true;
	}
	return false;
}

void net_refusal_violation(const struct net_refusal *r, pid_t pid, uint64_t time_ms,
			   qfs_violation *v)
{
	*v = (qfs_violation){
		.type = r->type,
		.detail = r->detail,
		.syscall = r->syscall,
		.host = r->host[0] ? r->host : NULL,
		.address = r->address[0] ? r->address : NULL,
		.port = r->port,
		.pid = pid,
		.time_ms = time_ms,
		.count = 1,
	};
}

bool net_report(struct net *net, const struct net_refusal *r, pid_t pid)
{
	qfs_violation v;

	net_refusal_violation(r, pid, sandbox_elapsed_ms(net->sb), &v);
	return sandbox_violation(net->sb, &v);
}

bool net_violation(struct net *net, const char *detail, const char *syscall, const char *host,
		   const struct net_addr *addr, int port, pid_t pid)
{
	struct net_refusal r = {
		.type = QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS,
		.syscall = syscall,
		.port = port,
	};

	net->stats.refused_policy++;
	snprintf(r.detail, sizeof(r.detail), "%s", detail);
	if (host)
		snprintf(r.host, sizeof(r.host), "%s", host);
	if (addr)
		net_addr_format(addr, r.address, sizeof(r.address));
	return net_report(net, &r, pid);
}

int net_check_destination(struct net *net, const char *name, const struct net_addr *addr, int port,
			  const char *syscall, struct net_refusal *ret)
{
	const char *names[8];
	size_t n = 0;
	char text[INET6_ADDRSTRLEN] = "";

	if (name) {
		if (qfs_policy_check_host(net->policy, name, port) == 1)
			return 1;
	} else {
		net_addr_format(addr, text, sizeof(text));
		if (qfs_policy_check_host(net->policy, text, port) == 1)
			return 1;
		n = net_dns_names_of(net->dns, addr, names, ARRAY_SIZE(names));
		for (size_t i = 0; i < n; i++)
			if (qfs_policy_check_host(net->policy, names[i], port) == 1)
				return 1;
		name = n ? names[0] : NULL;
	}
	*ret = (struct net_refusal){
		.type = QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS,
		.syscall = syscall,
		.port = port,
	};
	if (name)
		snprintf(ret->host, sizeof(ret->host), "%s", name);
	snprintf(ret->address, sizeof(ret->address), "%s", text);
	if (!text[0])
		snprintf(ret->detail, sizeof(ret->detail),
			 "%s to %s port %d refused: not in allowed_hosts", syscall, name, port);
	else if (name)
		snprintf(ret->detail, sizeof(ret->detail),
			 "%s to %s (%s) port %d refused: not in allowed_hosts", syscall, name, text,
			 port);
	else
		snprintf(ret->detail, sizeof(ret->detail),
			 "%s to %s port %d refused: the address is in allowed_hosts neither "
			 "itself nor as the address of an allowed name",
			 syscall, text, port);
	net->stats.refused_policy++;
	return 0;
}

/* Connections. */

static int diag_alive(struct net *net, const struct conn *c)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} m = {0};
	char buf[DIAG_BUFFER];

	if (net->diag_fd < 0)
		net->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (net->diag_fd < 0)
		return 1; /* cannot tell: count it as open */
	m.nh.nlmsg_len = sizeof(m);
	m.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.nh.nlmsg_flags = NLM_F_REQUEST;
	m.req.sdiag_family = (uint8_t)c->family;
	m.req.sdiag_protocol = IPPROTO_TCP;
	m.req.idiag_states = ~0u;
	m.req.id.idiag_cookie[0] = (uint32_t)c->cookie;
	m.req.id.idiag_cookie[1] = (uint32_t)(c->cookie >> 32);
	if (c->family == AF_INET) {
		const struct sockaddr_in *l = (const void *)&c->local,
					 *r = (const void *)&c->remote;
		m.req.id.idiag_sport = l->sin_port;
		m.req.id.idiag_dport = r->sin_port;
		memcpy(m.req.id.idiag_src, &l->sin_addr, 4);
		memcpy(m.req.id.idiag_dst, &r->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *l = (const void *)&c->local,
					  *r = (const void *)&c->remote;
		m.req.id.idiag_sport = l->sin6_port;
		m.req.id.idiag_dport = r->sin6_port;
		memcpy(m.req.id.idiag_src, &l->sin6_addr, 16);
		memcpy(m.req.id.idiag_dst, &r->sin6_addr, 16);
	}
	if (send(net->diag_fd, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		return 1;
	/* The kernel answers within send(): the reply is queued. */
	ssize_t n = recv(net->diag_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return 1;
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	if (!NLMSG_OK(h, (size_t)n))
		return 1;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);
		/* Gone (ENOENT), or the cookie belongs to another socket now
		 * (ESTALE). */
		return e->error == -ENOENT || e->error == -ESTALE ? 0 : 1;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return 1;
	const struct inet_diag_msg *d = NLMSG_DATA(h);
	/* Orphaned (closed by its last owner, lingering in FIN_WAIT or
	 * TIME_WAIT): no inode. */
	return d->idiag_inode != 0;
}

static uint32_t conns_open(const struct net *net)
{
	return (uint32_t)net->n_conns + net->reserved;
}

static void usage_update(struct net *net)
{
	qfs_usage *u = &net->sb->usage;

	u->network_connections_used = conns_open(net);
	if (u->network_connections_used > u->network_connections_peak)
		u->network_connections_peak = u->network_connections_used;
}

static void conns_recount(struct net *net)
{
	for (size_t i = 0; i < net->n_conns;) {
		if (diag_alive(net, &net->conns[i])) {
			i++;
			continue;
		}
		net->conns[i] = net->conns[--net->n_conns];
	}
	usage_update(net);
}

void net_usage_refresh(struct net *net)
{
	if (net)
		conns_recount(net);
}

/*
 * Remembers the connection of @fd (ours or the plugin's), whose peer is
 * @dest while the connect is still in progress (the kernel reports none
 * yet), or its peer when @dest is NULL.
 */
static void conn_add(struct net *net, int fd, const struct sockaddr_storage *dest,
		     socklen_t dest_len)
{
	struct conn c = {.cookie = sock_cookie(fd, SOL_SOCKET, SO_COOKIE)};
	socklen_t len = sizeof(c.local);

	net->stats.connections++;
	if (getsockname(fd, (struct sockaddr *)&c.local, &len) < 0)
		return;
	c.family = c.local.ss_family;
	len = sizeof(c.remote);
	if (!dest) {
		if (getpeername(fd, (struct sockaddr *)&c.remote, &len) < 0)
			return;
	} else {
		memcpy(&c.remote, dest, dest_len);
	}
	/* A new peak is checked against closes first, so that it is one. */
	if (conns_open(net) + 1 > net->sb->usage.network_connections_peak)
		conns_recount(net);
	if (net->n_conns == net->cap_conns) {
		size_t cap = net->cap_conns ? net->cap_conns * 2 : 16;
		struct conn *v = realloc(net->conns, cap * sizeof(*v));
		if (!v)
			return;
		net->conns = v;
		net->cap_conns = cap;
	}
	net->conns[net->n_conns++] = c;
	usage_update(net);
}

/*
 * The limit.  Strict ends the sandbox when it is reached (as a violation
 * would); below Strict the connection is refused and the sandbox runs on.
 * Either way the limit_exceeded callback fires once per run (after the
 * listener's round: a callback may free the sandbox) and every refusal is
 * kept as a ResourceLimitExceeded violation.
 *
 * Return: true when one connection more stays within the limit (closes
 * are noticed first, so that the answer is exact); else false with @ret
 * describing the refusal.
 */
static bool limit_check(struct net *net, const char *host, int port, struct net_refusal *ret)
{
	if (net->limit >= 0 && conns_open(net) >= (uint64_t)net->limit)
		conns_recount(net);
	if (net->limit < 0 || conns_open(net) < (uint64_t)net->limit)
		return true;
	net->stats.refused_limit++;
	*ret = (struct net_refusal){.type = QFS_VIOLATION_RESOURCE_LIMIT_EXCEEDED, .port = port};
	snprintf(ret->host, sizeof(ret->host), "%s", host ? host : "");
	snprintf(ret->detail, sizeof(ret->detail),
		 "connection to %s port %d refused: %u of %lld network connections open "
		 "(max_network_connections)",
		 host ? host : "?", port, conns_open(net), (long long)net->limit);
	if (qfs_policy_get_level(net->policy) >= QFS_LEVEL_STRICT) {
		/* The callback comes with the exit (finish()). */
		sandbox_kill(net->sb, QFS_STATUS_LIMIT_EXCEEDED, QFS_RESOURCE_NETWORK_CONNECTIONS);
	} else if (!net->limit_reported) {
		net->limit_reported = true;
		loop_timer_arm(net->limit_timer, loop_now_usec());
	}
	return false;
}

static void on_limit_timer(struct loop_timer *t, void *userdata)
{
	struct net *net = userdata;

	sandbox_limit_refused(net->sb, QFS_RESOURCE_NETWORK_CONNECTIONS);
}

static void slot_take(struct net *net)
{
	net->reserved++;
	usage_update(net);
}

int net_slot_take(struct net *net, const char *host, int port, pid_t pid)
{
	struct net_refusal r;

	if (!limit_check(net, host, port, &r))
		return net_report(net, &r, pid) ? 0 : -ECANCELED;
	slot_take(net);
	return 1;
}

void net_count_connection(struct net *net)
{
	net->stats.connections++;
}

void net_slot_release(struct net *net)
{
	if (net->reserved)
		net->reserved--;
	usage_update(net);
}

/* Notifications. */

/* What we learnt of a connect() request, and how it is answered: through
 * its call while the handler runs, through the listener once parked. */
struct request {
	struct notify_call *call;
	enum notify_disposition disp;
	uint64_t id;
	pid_t pid;
	int target;
	int ref; /* our reference to the plugin's socket */
	int domain, protocol;
	struct sockaddr_storage addr; /* our copy */
	socklen_t addr_len;
	struct net_addr dest;
	int port;
};

static void answer(struct request *rq, int result)
{
	rq->call->error = result < 0 ? -result : 0;
	rq->call->val = 0;
	rq->call->cont = false;
	rq->disp = NOTIFY_ANSWER;
}

/* Leaves a violation in the call: the dispatcher records it before the
 * answer goes out (and under Strict kills the caller first). */
static void answer_refused(struct net *net, struct request *rq, int error,
			   const struct net_refusal *r)
{
	answer(rq, error);
	net->refusal = *r;
	rq->call->report = true;
	net_refusal_violation(&net->refusal, rq->pid, 0, &rq->call->violation);
}

/* Our reference to descriptor @fd of thread @tid. */
static int plugin_socket(pid_t tid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);

	/* Before Linux 6.9 a pidfd names a thread-group leader only; the
	 * descriptor table is the process's either way. */
	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (pidfd < 0)
		return -errno;
	int r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	r = r < 0 ? -errno : r;
	close(pidfd);
	return r;
}

/* Whether descriptor @fd of @tid is close-on-exec: the "flags:" line of
 * its fdinfo (octal, O_CLOEXEC included), read with plain syscalls since
 * this is on every mediated connect's path. */
static bool plugin_fd_cloexec(pid_t tid, int fd)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tid, fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return true;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	const char *flags = strstr(buf, "flags:");
	return !flags || (strtoul(flags + 6, NULL, 8) & O_CLOEXEC);
}

static void copy_option(int from, int to, int level, int name, int default_value)
{
	int v;

	if (sock_int(from, level, name, &v) == 0 && v != default_value)
		setsockopt(to, level, name, &v, sizeof(v));
}

static void copy_option_raw(int from, int to, int level, int name, size_t size)
{
	char buf[32];
	char zero[32] = {0};
	socklen_t len = (socklen_t)size;

	if (getsockopt(from, level, name, buf, &len) == 0 && len == size && memcmp(buf, zero, size))
		setsockopt(to, level, name, buf, len);
}

static void copy_options(const struct net *net, int from, int to, int domain)
{
	static const int sol_socket[] = {SO_KEEPALIVE, SO_OOBINLINE, SO_PRIORITY};
	static const int sol_tcp[] = {TCP_NODELAY, TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT};
	int v, d;

	for (size_t i = 0; i < ARRAY_SIZE(sol_socket); i++)
		copy_option(from, to, SOL_SOCKET, sol_socket[i], 0);
	copy_option(from, to, SOL_SOCKET, SO_RCVLOWAT, 1);
	for (size_t i = 0; i < ARRAY_SIZE(sol_tcp); i++)
		copy_option(from, to, IPPROTO_TCP, sol_tcp[i], 0);
	/* Keepalive timing: set when it differs from the fresh socket's
	 * (the sysctl defaults, which the new socket has too). */
	for (const int *o = (const int[]){TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, 0}; *o; o++)
		if (sock_int(to, IPPROTO_TCP, *o, &d) == 0)
			copy_option(from, to, IPPROTO_TCP, *o, d);
	/* Buffer sizes read back doubled once set; unset, they are the
	 * namespace's defaults. */
	if (sock_int(from, SOL_SOCKET, SO_RCVBUF, &v) == 0 && v != net->default_rcvbuf) {
		v /= 2;
		setsockopt(to, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
	if (sock_int(from, SOL_SOCKET, SO_SNDBUF, &v) == 0 && v != net->default_sndbuf) {
		v /= 2;
		setsockopt(to, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	}
	copy_option_raw(from, to, SOL_SOCKET, SO_LINGER, sizeof(struct linger));
	copy_option_raw(from, to, SOL_SOCKET, SO_RCVTIMEO, sizeof(struct timeval));
	copy_option_raw(from, to, SOL_SOCKET, SO_SNDTIMEO, sizeof(struct timeval));
	if (domain == AF_INET) {
		copy_option(from, to, IPPROTO_IP, IP_TOS, 0);
	} else {
		copy_option(from, to, IPPROTO_IPV6, IPV6_TCLASS, 0);
		if (sock_int(to, IPPROTO_IPV6, IPV6_V6ONLY, &d) == 0)
			copy_option(from, to, IPPROTO_IPV6, IPV6_V6ONLY, d);
	}
}

/*
 * Connects @fd, which may be the plugin's (shared O_NONBLOCK), without
 * ever blocking us: a TCP Fast Open send of no data is a non-blocking
 * connect for this one call.  Return: 0, -EINPROGRESS, or the error.
 */
static int connect_nonblocking(int fd, const struct sockaddr_storage *addr, socklen_t len)
{
	if (sendto(fd, NULL, 0, MSG_FASTOPEN | MSG_DONTWAIT | MSG_NOSIGNAL,
		   (const struct sockaddr *)addr, len) == 0)
		return 0;
	return -errno;
}

/* A connection made now or failed now: 0, the error, or -EINPROGRESS. */
static int connect_result(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t len = sizeof(err);

	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLOUT | POLLERR | POLLHUP)))
		return -EINPROGRESS;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

/* Installs @sock at the plugin's descriptor number @target (replacing
 * what is there, as dup2 does).  Return: 0 or -errno (-ENOENT: the call
 * is gone). */
static int install(struct net *net, uint64_t id, int sock, int target, bool cloexec)
{
	struct seccomp_notif_addfd a = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)sock,
		.newfd = (uint32_t)target,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};

	if (ioctl(notify_fd(net->notify), SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0)
		return -errno;
	return 0;
}

static void on_park(struct loop_source *src, uint32_t revents, void *userdata);

static void park_free(struct park *pk)
{
	struct net *net = pk->net;

	for (struct park **p = &net->parks; *p; p = &(*p)->next)
		if (*p == pk) {
			*p = pk->next;
			break;
		}
	net->n_parks--;
	loop_source_free(pk->src);
	close_safe(pk->sock);
	free(pk);
	if (!net->parks)
		loop_timer_disarm(net->park_timer);
}

/* Parks @rq until @sock is connected.  Takes @sock. */
static void park(struct net *net, struct request *rq, int sock)
{
	struct park *pk = NULL;

	if (net->n_parks >= MAX_PARKED || !(pk = calloc(1, sizeof(*pk)))) {
		close(sock);
		answer(rq, -EAGAIN);
		return;
	}
	*pk = (struct park){.net = net, .id = rq->id, .sock = sock};
	pk->next = net->parks;
	net->parks = pk;
	net->n_parks++;
	if (loop_source_new(net->loop, sock, EPOLLOUT, on_park, pk, &pk->src) < 0) {
		park_free(pk);
		answer(rq, -EAGAIN);
		return;
	}
	if (!loop_timer_armed(net->park_timer))
		loop_timer_arm(net->park_timer, loop_now_usec() + PARK_CHECK_USEC);
	rq->disp = NOTIFY_PENDING;
}

static void on_park(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct park *pk = userdata;
	int result = connect_result(pk->sock);

	if (result == -EINPROGRESS)
		return;
	notify_answer_later(pk->net->notify, pk->id, -result, 0, false);
	park_free(pk);
}

/* Drops parked calls whose thread was interrupted (a signal): nobody
 * waits for their answer any more. */
static void on_park_timer(struct loop_timer *t, void *userdata)
{
	struct net *net = userdata;

	for (struct park *pk = net->parks, *next; pk; pk = next) {
		next = pk->next;
		uint64_t id = pk->id;
		if (ioctl(notify_fd(net->notify), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			park_free(pk);
	}
	if (net->parks)
		loop_timer_arm(net->park_timer, loop_now_usec() + PARK_CHECK_USEC);
}

/*
 * A connection from the host side, installed in the plugin.  Takes the
 * slot (@counted).  The socket is installed as soon as its connect is under
 * way, so that the round trip the installation costs (the plugin's thread
 * wakes to take the descriptor) overlaps the handshake: a blocking
 * connect() is then answered when the handshake is done.  Should it fail,
 * the plugin holds a host socket that connected nowhere, as it would after
 * a failed connect of its own; it can neither listen nor connect with it
 * other than through us.
 */
static void connect_from_host(struct net *net, struct request *rq, bool counted)
{
	bool nonblock = fcntl(rq->ref, F_GETFL) & O_NONBLOCK;
	bool cloexec = plugin_fd_cloexec(rq->pid, rq->target);
	int sock = socket(rq->domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r = sock < 0 ? -errno : 0;

	if (r == 0) {
		copy_options(net, rq->ref, sock, rq->domain);
		r = connect(sock, (struct sockaddr *)&rq->addr, rq->addr_len) < 0 ? -errno : 0;
	}
	/* Our connects never block; the plugin's blocking socket does. */
	if ((r == 0 || r == -EINPROGRESS) && !nonblock)
		fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
	const int result = r;
	if (r == 0 || r == -EINPROGRESS)
		r = install(net, rq->id, sock, rq->target, cloexec);
	if (counted)
		net_slot_release(net);
	if (r < 0) {
		close_safe(sock);
		if (r == -ENOENT) /* the call is gone */
			rq->disp = NOTIFY_ANSWERED;
		else
			answer(rq, r);
		return;
	}
	/* Installed: the connection holds its slot from now on. */
	if (counted)
		conn_add(net, sock, &rq->addr, rq->addr_len);
	r = result;
	if (r == -EINPROGRESS && !nonblock)
		r = connect_result(sock);
	if (r == -EINPROGRESS && !nonblock) {
		park(net, rq, sock);
		return;
	}
	answer(rq, r);
	close(sock);
}

/* Our reference to the plugin's socket, connected by us (inside the
 * sandbox, or on the host's network in COUNTED).  Takes the slot. */
static void connect_reference(struct net *net, struct request *rq, bool counted)
{
	bool nonblock = fcntl(rq->ref, F_GETFL) & O_NONBLOCK;
	int r = connect_nonblocking(rq->ref, &rq->addr, rq->addr_len);

	if (r == -EOPNOTSUPP && net->mode == NET_MODE_COUNTED) {
		/* This host turned TCP Fast Open off for clients: a new
		 * socket then (what the plugin bound is lost). */
		connect_from_host(net, rq, counted);
		return;
	}
	if (counted) {
		net_slot_release(net);
		if (r == 0 || r == -EINPROGRESS)
			conn_add(net, rq->ref, &rq->addr, rq->addr_len);
	}
	if (r == -EINPROGRESS && !nonblock)
		r = connect_result(rq->ref);
	if (r == -EINPROGRESS && !nonblock) {
		park(net, rq, TAKE_FD(rq->ref));
		return;
	}
	answer(rq, r);
}

static bool is_local(const struct net_addr *a)
{
	return net_addr_is_loopback(a) || net_addr_is_unspecified(a);
}

static void mediate_tcp(struct net *net, struct request *rq)
{
	const bool in_sandbox =
		net->mode == NET_MODE_MEDIATED &&
		sock_cookie(rq->ref, SOL_SOCKET, SO_NETNS_COOKIE) == net->netns_cookie;
	const int family = rq->addr.ss_family;
	const socklen_t need =
		rq->domain == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	/* What the kernel would say to a malformed address, said by us. */
	if (rq->addr_len < (socklen_t)sizeof(sa_family_t)) {
		answer(rq, -EINVAL);
		return;
	}
	if (family == AF_UNSPEC) {
		/* A disconnect never blocks; a host socket so reset is
		 * harmless (listen() and our connects stay ours). */
		answer(rq, connect(rq->ref, (struct sockaddr *)&rq->addr, rq->addr_len) < 0 ? -errno
											    : 0);
		return;
	}
	if (rq->addr_len < need) {
		answer(rq, -EINVAL);
		return;
	}
	if (family != rq->domain) {
		answer(rq, -EAFNOSUPPORT);
		return;
	}
	net_addr_from_sockaddr((struct sockaddr *)&rq->addr, rq->addr_len, &rq->dest, &rq->port);

	if (in_sandbox && is_local(&rq->dest)) {
		connect_reference(net, rq, false);
		return;
	}
	if (net->mode == NET_MODE_MEDIATED && !in_sandbox) {
		/* A host socket we installed.  Connected: the kernel's
		 * answer, or 0 for a connect() restarted after we installed
		 * the socket and before we could answer. */
		struct sockaddr_storage peer;
		struct net_addr pa;
		int pport;
		socklen_t len = sizeof(peer);
		if (getpeername(rq->ref, (struct sockaddr *)&peer, &len) == 0) {
			bool same = net_addr_from_sockaddr((struct sockaddr *)&peer, len, &pa,
							   &pport) &&
				    net_addr_equal(&pa, &rq->dest) && pport == rq->port;
			answer(rq, same ? 0 : -EISCONN);
			return;
		}
		struct tcp_info ti;
		len = sizeof(ti);
		if (getsockopt(rq->ref, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    ti.tcpi_state == TCP_SYN_SENT) {
			answer(rq, -EALREADY);
			return;
		}
		/* The sandbox's loopback is not the host's, and a host
		 * socket cannot reach the sandbox's. */
		if (is_local(&rq->dest)) {
			answer(rq, -ECONNREFUSED);
			return;
		}
		/* Closed (its connect failed): replaced by a new one below. */
	}
	if (rq->port == 0) {
		answer(rq, -ECONNREFUSED);
		return;
	}
	struct net_refusal refusal;
	if (!net_check_destination(net, NULL, &rq->dest, rq->port, "connect", &refusal)) {
		/* The errno Landlock gives for a TCP connect it refuses. */
		answer_refused(net, rq, -EACCES, &refusal);
		return;
	}
	const char *names[1];
	char host[NET_DNS_NAME_MAX + 1];
	if (net_dns_names_of(net->dns, &rq->dest, names, 1))
		snprintf(host, sizeof(host), "%s", names[0]);
	else
		net_addr_format(&rq->dest, host, sizeof(host));
	if (!limit_check(net, host, rq->port, &refusal)) {
		answer_refused(net, rq, -ENOBUFS, &refusal);
		return;
	}
	slot_take(net);
	if (net->mode == NET_MODE_COUNTED && rq->protocol != IPPROTO_MPTCP)
		connect_reference(net, rq, true);
	else
		connect_from_host(net, rq, true);
}

static enum notify_disposition on_connect(struct notify_call *call, void *userdata)
{
	struct net *net = userdata;
	struct request rq = {
		.call = call,
		.id = call->req->id,
		.pid = (pid_t)call->req->pid,
		.target = (int)call->req->data.args[0],
		.ref = -1,
	};
	int len = (int)call->req->data.args[2];
	int type = 0, r;

	if (len < 0 || (size_t)len > sizeof(rq.addr)) {
		answer(&rq, -EINVAL);
		return rq.disp;
	}
	rq.addr_len = (socklen_t)len;
	/* Our own copy, checked against the notification's id. */
	r = len ? notify_read(call, call->req->data.args[1], &rq.addr, (size_t)len) : 0;
	if (r == -ENOENT)
		return NOTIFY_ANSWERED; /* gone: nobody to answer */
	if (r < 0) {
		answer(&rq, -EFAULT);
		return rq.disp;
	}
	rq.ref = plugin_socket(rq.pid, rq.target);
	/* The reference is of the thread that still waits for this answer,
	 * not of a later one with its pid. */
	if (!notify_id_valid(call)) {
		close_safe(rq.ref);
		return NOTIFY_ANSWERED;
	}
	if (rq.ref < 0) {
		answer(&rq, rq.ref == -ESRCH ? -EBADF : rq.ref);
		return rq.disp;
	}
	if (sock_int(rq.ref, SOL_SOCKET, SO_DOMAIN, &rq.domain) < 0 ||
	    sock_int(rq.ref, SOL_SOCKET, SO_TYPE, &type) < 0 ||
	    sock_int(rq.ref, SOL_SOCKET, SO_PROTOCOL, &rq.protocol) < 0) {
		close(rq.ref);
		answer(&rq, -ENOTSOCK);
		return rq.disp;
	}
	if ((rq.domain != AF_INET && rq.domain != AF_INET6) || type != SOCK_STREAM ||
	    (rq.protocol != IPPROTO_TCP && rq.protocol != IPPROTO_MPTCP)) {
		/* Not TCP: see the top of this file for why the kernel may
		 * carry the call out as made. */
		close(rq.ref);
		call->error = 0;
		call->cont = true;
		return NOTIFY_ANSWER;
	}
	mediate_tcp(net, &rq);
	close_safe(rq.ref);
	return rq.disp;
}

static enum notify_disposition on_listen(struct notify_call *call, void *userdata)
{
	struct net *net = userdata;
	int ref = plugin_socket((pid_t)call->req->pid, (int)call->req->data.args[0]);

	if (!notify_id_valid(call)) {
		close_safe(ref);
		return NOTIFY_ANSWERED;
	}
	if (ref < 0) {
		call->error = ref == -ESRCH ? EBADF : -ref;
		return NOTIFY_ANSWER;
	}
	/* A socket of the sandbox listens in the sandbox; a host socket we
	 * installed never becomes a listening socket on the host.  In
	 * COUNTED every socket is the host's and may listen. */
	if (net->mode == NET_MODE_COUNTED ||
	    sock_cookie(ref, SOL_SOCKET, SO_NETNS_COOKIE) == net->netns_cookie)
		call->error = listen(ref, (int)call->req->data.args[1]) < 0 ? errno : 0;
	else
		call->error = EINVAL; /* what a connected or connecting socket answers */
	call->val = 0;
	close(ref);
	return NOTIFY_ANSWER;
}

int net_attach(struct net *net, struct notify *n, const struct enforcer *e)
{
	int r = 0;

	net->notify = n;
	/* A policy that refuses connect() (blocked_apis "@network") leaves
	 * it to the enforcer, which refuses and reports it. */
	if (!e || !enforcer_refuses(e, SYS_connect))
		r = notify_set_handler(n, SYS_connect, on_connect, net);
	if (r >= 0 && (!e || !enforcer_refuses(e, SYS_listen)))
		r = notify_set_handler(n, SYS_listen, on_listen, net);
	return r;
}
