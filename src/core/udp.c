#include "udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/uio.h>

#include "deadline.h"
#include "dns_intercept.h"
#include "dial.h"
#include "fdtable.h"
#include "file.h"
#include "log.h"
#include "real.h"
#include "route.h"

#define IOV_MAX_HERE 64

static bool socket_is_dgram(int fd)
{
	return socket_type(fd) == SOCK_DGRAM;
}

static bool socket_is_udp(int fd)
{
	return socket_is_dgram(fd) && socket_protocol(fd) == IPPROTO_UDP;
}

/* Multicast and broadcast cannot cross a SOCKS relay. */
static bool is_group_address(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
		return (a >> 28) == 0xe || a == 0xffffffffu;
	}
	return ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr[0] == 0xff;
}

bool udp_wants_send(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage dst;
	const struct proxy *p;

	if (fdtable_kind(fd) == FD_UDP)
		return true;
	if (addr == NULL || !addr_normalize(addr, len, &dst))
		return false;
	p = proxy_config();
	return (dns_intercepts(p, &dst) || !route_is_direct(p, &dst)) && socket_is_dgram(fd);
}

static int refuse_not_udp(const struct sockaddr_storage *dst)
{
	char text[ADDR_STRLEN];

	addr_format(dst, text);
	log_msg(LOG_ERROR, "not sending to %s: only UDP can cross a SOCKS5 proxy (ICMP ping sockets cannot)",
		text);
	errno = EPERM;
	return -1;
}

static int fail(enum failure f, struct failure_ctx *ctx)
{
	/* A proxy without UDP says so once per process, not once per datagram. */
	static atomic_bool refusal_logged;

	ctx->command = "UDP ASSOCIATE";
	if (f == FAIL_REP_CMD_UNSUPPORTED && atomic_exchange(&refusal_logged, true))
		errno = failure_errno(f, ctx);
	else
		errno = failure_report(f, ctx);
	return -1;
}

/* The socket's local port in host order: 0 when unbound, -1 on error. */
static int local_port(int fd)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
	socklen_t len = sizeof(u);

	memset(&u, 0, sizeof(u));
	if (getsockname(fd, &u.sa, &len) < 0)
		return -1;
	return ntohs(u.sa.sa_family == AF_INET6 ? u.in6.sin6_port : u.in.sin_port);
}

/* Binds an unbound socket as the kernel would on a first send. */
static int bind_if_unbound(int fd, int family, bool need_v4mapped)
{
	struct sockaddr_storage ss;
	int port = local_port(fd);
	int off = 0;

	if (port != 0)
		return port < 0 ? -1 : 0;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET6 && need_v4mapped)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	return real()->bind(fd, (struct sockaddr *)&ss,
			    family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

/* What the ASSOCIATE names as the client: zeros with the socket's port. */
static void client_addr(int fd, int ctl_family, struct socks5_addr *out)
{
	int port = local_port(fd);

	memset(out, 0, sizeof(*out));
	out->atyp = ctl_family == AF_INET6 ? SOCKS5_ATYP_IPV6 : SOCKS5_ATYP_IPV4;
	out->port = port > 0 ? (uint16_t)port : 0;
}

/*
 * How long a control connection found alive is trusted without looking
 * again. RFC 1928 ends an association with its TCP connection, so a dead
 * one is noticed at the first send after this bound; datagrams sent in
 * between go to a relay that is gone and are lost, as UDP may lose any
 * datagram (one sent just before the proxy closed the connection is lost
 * the same way, however often the library looks). Looking costs two
 * system calls, more than the send itself.
 */
#define CTL_TRUST_MS 10
#define CTL_SEEN_SLOTS 64

/*
 * When a control connection was last found alive, a slot per fd number
 * modulo the size: the number + 1 in the high half of one atomic word, the
 * low 32 bits of the time in the low half. No lock, and no thread-local
 * storage, which every process would pay for at start. A number the
 * program closed or replaced meanwhile is caught at the next look, at most
 * CTL_TRUST_MS later.
 */
static _Atomic uint64_t ctl_seen[CTL_SEEN_SLOTS];

/* The coarse clock is read in the vDSO: no system call, a few ms of resolution. */
static uint32_t coarse_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static _Atomic uint64_t *ctl_seen_slot(int ctl_fd)
{
	return &ctl_seen[(unsigned int)ctl_fd % CTL_SEEN_SLOTS];
}

static bool ctl_seen_recently(int ctl_fd, uint32_t now)
{
	uint64_t seen = atomic_load_explicit(ctl_seen_slot(ctl_fd), memory_order_relaxed);

	return (uint32_t)(seen >> 32) == (uint32_t)ctl_fd + 1 && now - (uint32_t)seen < CTL_TRUST_MS;
}

static void ctl_seen_now(int ctl_fd, uint32_t now)
{
	atomic_store_explicit(ctl_seen_slot(ctl_fd), (uint64_t)((uint32_t)ctl_fd + 1) << 32 | now,
			      memory_order_relaxed);
}

/* Whether the number is still the connection and the proxy has not ended it. */
static bool ctl_looks_alive(const struct fd_info *info)
{
	struct pollfd pfd = { .fd = info->ctl_fd, .events = POLLIN };

	if (!fd_is(info->ctl_fd, info->ctl_dev, info->ctl_ino))
		return false;
	/* The proxy never speaks on a live control connection: anything is its end. */
	return real()->poll(&pfd, 1, 0) == 0;
}

static bool ctl_alive(const struct fd_info *info)
{
	uint32_t now;

	if (info->ctl_fd < 0)
		return false;
	now = coarse_now_ms();
	if (ctl_seen_recently(info->ctl_fd, now))
		return true;
	if (!ctl_looks_alive(info))
		return false;
	ctl_seen_now(info->ctl_fd, now);
	return true;
}

/* The relay: BND.ADDR, or the proxy's own address when unspecified. */
static bool relay_of(const struct proxy *p, const struct socks5_addr *bnd, int family,
		     struct sockaddr_storage *out)
{
	struct sockaddr_storage ss = p->addr[0];
	static const uint8_t zeros[16];

	if (bnd->atyp == SOCKS5_ATYP_IPV4 && memcmp(bnd->u.ipv4, zeros, 4) != 0) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, bnd->u.ipv4, 4);
	} else if (bnd->atyp == SOCKS5_ATYP_IPV6 && memcmp(bnd->u.ipv6, zeros, 16) != 0) {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
		memcpy(&in6.sin6_addr, bnd->u.ipv6, 16);
		addr_normalize((struct sockaddr *)&in6, sizeof(in6), &ss);
	} else if (bnd->atyp == SOCKS5_ATYP_DOMAIN) {
		return false;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(bnd->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(bnd->port);
	return addr_in_family(&ss, family, out) != 0;
}

static enum failure associate(int fd, const struct proxy *p, struct fd_info *info,
			      struct failure_ctx *ctx)
{
	int family = socket_family(fd);
	int ctl_family = proxy_addr_for_family(p, family)->ss_family;
	int64_t started = deadline_now_ms(), deadline = started + p->cfg.timeout_ms;
	struct socks5_addr me;
	struct socks5_result res;
	enum failure f;
	int ctl;

	if (bind_if_unbound(fd, family, ctl_family == AF_INET) < 0) {
		ctx->sys_errno = errno;
		return FAIL_PROXY_IO;
	}
	if (family == AF_INET6 && ctl_family == AF_INET && socket_v6only(fd)) {
		ctx->detail = "an IPv6-only socket cannot reach an IPv4 proxy's relay";
		return FAIL_FAMILY;
	}
	ctl = internal_socket(ctl_family, SOCK_STREAM | SOCK_NONBLOCK);
	if (ctl < 0) {
		ctx->sys_errno = errno;
		return FAIL_PROXY_CONNECT;
	}
	client_addr(fd, ctl_family, &me);
	f = dial_proxy(ctl, p, deadline, ctx);
	if (f == FAIL_NONE) {
		f = socks5_handshake(ctl, &p->cred, SOCKS5_CMD_UDP_ASSOCIATE, &me, deadline, &res);
		ctx->code = f == FAIL_METHOD_NOT_OFFERED ? res.method : res.rep;
		ctx->sys_errno = res.sys_errno;
	}
	if (f == FAIL_NONE && !relay_of(p, &res.bound, family, &info->relay)) {
		ctx->detail = "its relay address cannot be used from this socket";
		f = FAIL_FAMILY;
	}
	if (f != FAIL_NONE || !fd_identity(ctl, &info->ctl_dev, &info->ctl_ino)) {
		real()->close(ctl);
		return f != FAIL_NONE ? f : FAIL_PROXY_IO;
	}
	info->ctl_fd = ctl;
	log_msg(LOG_INFO, "UDP association for %s (fd %d) through %s (%lld ms)", ctx->dest ? ctx->dest : "?", fd,
		p->display, (long long)(deadline_now_ms() - started));
	return FAIL_NONE;
}

static void new_udp_info(struct fd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->kind = FD_UDP;
	info->fake_slot = -1;
	info->ctl_fd = -1;
}

/*
 * Remembers that this socket sent to a placeholder's name on a port;
 * true when that changed what the socket holds.
 */
static bool note_name(struct fd_info *info, const struct target *t, sa_family_t family)
{
	size_t free_at = FD_UDP_NAMES;

	if (t->fake_slot < 0)
		return false;
	for (size_t i = 0; i < FD_UDP_NAMES; i++) {
		if (info->names[i].port == t->addr.port) {
			if (info->names[i].slot == t->fake_slot || info->names[i].slot < 0)
				return false;
			info->names[i].slot = -1;
			return true;
		}
		if (info->names[i].port == 0 && free_at == FD_UDP_NAMES)
			free_at = i;
	}
	if (free_at == FD_UDP_NAMES)
		return false;
	info->names[free_at].port = t->addr.port;
	info->names[free_at].slot = t->fake_slot;
	info->names[free_at].family = family;
	return true;
}

static bool asks_gso(const struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c))
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT)
			return true;
	return false;
}

/*
 * out becomes msg with the header as its first buffer: the application's
 * buffers are used in place, never copied. false: too many buffers.
 */
static bool with_header(struct msghdr *out, struct iovec iov[IOV_MAX_HERE + 1], const struct msghdr *msg,
			uint8_t *hdr, size_t hlen)
{
	if (msg->msg_iovlen > IOV_MAX_HERE) {
		errno = EMSGSIZE;
		return false;
	}
	*out = *msg;
	iov[0].iov_base = hdr;
	iov[0].iov_len = hlen;
	memcpy(iov + 1, msg->msg_iov, msg->msg_iovlen * sizeof(struct iovec));
	out->msg_iov = iov;
	out->msg_iovlen = msg->msg_iovlen + 1;
	return true;
}

static ssize_t relay_send(int fd, const struct fd_info *info, const struct target *t,
			  const struct msghdr *msg, int flags)
{
	uint8_t hdr[SOCKS5_MAX_MSG];
	struct iovec iov[IOV_MAX_HERE + 1];
	struct msghdr out;
	int hlen = socks5_encode_udp_header(hdr, sizeof(hdr), 0, &t->addr);
	ssize_t n;

	if (hlen < 0) {
		errno = EMSGSIZE;
		return -1;
	}
	if (!with_header(&out, iov, msg, hdr, (size_t)hlen))
		return -1;
	out.msg_name = (void *)&info->relay;
	out.msg_namelen = addr_len(&info->relay);
	n = real()->sendmsg(fd, &out, flags);
	return n < 0 ? -1 : n < hlen ? 0 : n - hlen;
}

static int fail_to(enum failure f, const struct proxy *p, struct target *t)
{
	struct failure_ctx ctx;

	proxy_failure_ctx(p, target_display(t), &ctx);
	return fail(f, &ctx);
}

/* A fresh association for the socket, recorded in info. */
static int reassociate(int fd, const struct proxy *p, struct fd_info *info, struct target *t)
{
	struct failure_ctx ctx;
	enum failure f;

	proxy_failure_ctx(p, target_display(t), &ctx);
	f = associate(fd, p, info, &ctx);
	if (f != FAIL_NONE)
		return fail(f, &ctx);
	ctl_seen_now(info->ctl_fd, coarse_now_ms());
	return 0;
}

/* Why a datagram to dst cannot go through the proxy: -1 with errno set, else 0. */
static int refuse(int fd, bool known, const struct sockaddr_storage *dst, const struct proxy *p,
		  struct target *t, bool known_placeholder, const struct msghdr *msg)
{
	if (!known && !socket_is_udp(fd))
		return refuse_not_udp(dst);
	if (is_group_address(dst)) {
		errno = EPERM;
		log_msg(LOG_ERROR, "not sending to %s: multicast and broadcast cannot cross a SOCKS5 proxy",
			target_display(t));
		return -1;
	}
	if (asks_gso(msg)) {
		errno = EIO;
		return -1;
	}
	if (!known_placeholder)
		return fail_to(FAIL_UNKNOWN_PLACEHOLDER, p, t);
	if (p->unusable != FAIL_NONE)
		return fail_to(p->unusable, p, t);
	return 0;
}

static ssize_t send_to(int fd, struct fd_info *info, bool known, const struct sockaddr_storage *dst,
		       const struct msghdr *msg, int flags)
{
	struct target t;
	const struct proxy *p = proxy_get();

	if (route_is_direct(p, dst))
		return real()->sendmsg(fd, msg, flags);
	bool known_placeholder = target_of(dst, &t);
	if (refuse(fd, known, dst, p, &t, known_placeholder, msg) < 0)
		return -1;
	if (!known)
		new_udp_info(info);
	bool fresh = !ctl_alive(info);
	if (fresh && reassociate(fd, p, info, &t) < 0)
		return -1;
	if (note_name(info, &t, dst->ss_family) || fresh)
		fdtable_set(fd, info);
	return relay_send(fd, info, &t, msg, flags);
}

/* Where a send goes: its address, else the emulated connect's peer. */
static bool destination(const struct msghdr *msg, const struct fd_info *info, bool known,
			struct sockaddr_storage *dst)
{
	if (msg->msg_name != NULL)
		return addr_normalize(msg->msg_name, msg->msg_namelen, dst);
	*dst = known ? info->peer : (struct sockaddr_storage){ 0 };
	return dst->ss_family != 0;
}

ssize_t udp_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct fd_info info;
	struct sockaddr_storage dst;
	bool known = fdtable_get(fd, &info) && info.kind == FD_UDP;

	if (!destination(msg, &info, known, &dst))
		return real()->sendmsg(fd, msg, flags);
	if (dns_intercepts(proxy_config(), &dst) && (known || socket_is_udp(fd)))
		return dns_udp_send(fd, &dst, msg, flags);
	return send_to(fd, &info, known, &dst, msg, flags);
}

ssize_t udp_sendmsg_to(int fd, const struct msghdr *msg)
{
	struct fd_info info;
	struct sockaddr_storage dst;
	bool known = fdtable_get(fd, &info) && info.kind == FD_UDP;

	if (!addr_normalize(msg->msg_name, msg->msg_namelen, &dst))
		return real()->sendmsg(fd, msg, 0);
	return send_to(fd, &info, known, &dst, msg, 0);
}

enum failure udp_associate(int fd, struct failure_ctx *ctx)
{
	const struct proxy *p = proxy_get();
	struct fd_info info;
	enum failure f;

	proxy_failure_ctx(p, ctx->dest, ctx);
	ctx->command = "UDP ASSOCIATE";
	if (p->unusable != FAIL_NONE)
		return p->unusable;
	new_udp_info(&info);
	f = associate(fd, p, &info, ctx);
	if (f == FAIL_NONE && !fdtable_set(fd, &info))
		return FAIL_PROXY_IO;
	return f;
}

bool udp_note_nameserver(int fd, const struct sockaddr_storage *ns)
{
	struct fd_info info;

	if (!fdtable_get(fd, &info) || info.kind != FD_UDP)
		new_udp_info(&info);
	else if (addr_equal(&info.dns_ns, ns))
		return true;
	if (bind_if_unbound(fd, socket_family(fd), false) < 0)
		return false;
	info.dns_ns = *ns;
	return fdtable_set(fd, &info);
}

/* The placeholder a reply from this port stands for, if one name used it. */
static bool reply_from_name(const struct fd_info *info, uint16_t port, struct sockaddr_storage *out)
{
	for (size_t i = 0; i < FD_UDP_NAMES; i++) {
		if (info->names[i].port != port || info->names[i].slot < 0)
			continue;
		memset(out, 0, sizeof(*out));
		out->ss_family = info->names[i].family;
		if (out->ss_family == AF_INET) {
			fakedns_addr4((uint32_t)info->names[i].slot, &((struct sockaddr_in *)out)->sin_addr);
			((struct sockaddr_in *)out)->sin_port = htons(port);
		} else {
			fakedns_addr6((uint32_t)info->names[i].slot, &((struct sockaddr_in6 *)out)->sin6_addr);
			((struct sockaddr_in6 *)out)->sin6_port = htons(port);
		}
		return true;
	}
	return false;
}

/* Where a relayed datagram is reported from: see DESIGN.md, UDP ASSOCIATE. */
static void reply_source(const struct fd_info *info, const struct socks5_addr *a,
			 struct sockaddr_storage *out)
{
	uint32_t slot;

	memset(out, 0, sizeof(*out));
	if (info->peer.ss_family != 0) {
		*out = info->peer;
		return;
	}
	if (reply_from_name(info, a->port, out))
		return;
	if (a->atyp == SOCKS5_ATYP_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, a->u.ipv4, 4);
		in->sin_port = htons(a->port);
	} else if (a->atyp == SOCKS5_ATYP_IPV6) {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(a->port) };
		memcpy(&in6.sin6_addr, a->u.ipv6, 16);
		addr_normalize((struct sockaddr *)&in6, sizeof(in6), out);
	} else if (fakedns_lookup(a->u.name, a->name_len, &slot) == FAKEDNS_OK) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		fakedns_addr4(slot, &in->sin_addr);
		in->sin_port = htons(a->port);
	}
}

/* src as the socket's family (the kernel's source address's) writes it. */
static void report_source(sa_family_t family, const struct sockaddr_storage *src, struct msghdr *msg)
{
	struct sockaddr_storage out;
	socklen_t full;

	if (msg->msg_name == NULL)
		return;
	full = addr_in_family(src, family, &out);
	if (full == 0) {
		out = *src;
		full = addr_len(src);
	}
	memcpy(msg->msg_name, &out, msg->msg_namelen < full ? msg->msg_namelen : full);
	msg->msg_namelen = full;
}

/* The responder is a loopback socket: other sources need not take its lock. */
static bool from_responder(const struct sockaddr_storage *src)
{
	bool loopback = src->ss_family == AF_INET
				? ((const struct sockaddr_in *)src)->sin_addr.s_addr == htonl(INADDR_LOOPBACK)
				: IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)src)->sin6_addr);

	return loopback && dns_from_responder(src);
}

/* A DNS answer of the library's is reported from the nameserver asked. */
static bool as_responder(const struct fd_info *info, struct sockaddr_storage *src)
{
	if (!from_responder(src))
		return false;
	*src = info->dns_ns.ss_family != 0 ? info->dns_ns : info->peer;
	return true;
}

/*
 * A datagram not from the relay, as the kernel gives it, except that the
 * library's DNS answers are reported from the nameserver asked.
 */
static ssize_t recv_plain(int fd, const struct fd_info *info, struct msghdr *msg, int flags)
{
	struct sockaddr_storage from, src;
	struct msghdr in = *msg;
	ssize_t n;

	in.msg_name = &from;
	in.msg_namelen = sizeof(from);
	n = real()->recvmsg(fd, &in, flags);
	if (n < 0)
		return -1;
	msg->msg_flags = in.msg_flags;
	msg->msg_controllen = in.msg_controllen;
	if (!addr_normalize((struct sockaddr *)&from, in.msg_namelen, &src)) {
		if (msg->msg_name != NULL)
			memcpy(msg->msg_name, &from, msg->msg_namelen < in.msg_namelen ? msg->msg_namelen : in.msg_namelen);
		msg->msg_namelen = in.msg_namelen;
		return n;
	}
	as_responder(info, &src);
	report_source(from.ss_family, &src, msg);
	return n;
}

/*
 * A datagram on a relayed socket, received in one call: the relay's header
 * into a buffer of its own, sized for the header the relay sent last, so
 * that the payload lands in place in the application's buffers; a spill
 * buffer after those takes what a longer header pushes past their end.
 * The datagram's bytes are the sequence head ++ application ++ spill.
 */
struct arrival {
	struct iovec iov[IOV_MAX_HERE + 2];
	struct msghdr in;
	struct sockaddr_storage from;
	uint8_t head[SOCKS5_MAX_MSG];
	uint8_t spill[SOCKS5_MAX_MSG];
	size_t head_len; /* head's bytes in the sequence */
	size_t room;     /* the application's buffers' bytes */
	size_t len;      /* the datagram's, however many were stored */
};

/* Header bytes of the relay's last datagram: RSV, FRAG, ATYP 1, IPv4, port at first. */
static _Atomic size_t expected_header = 3 + 1 + 4 + 2;

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Where byte off of the sequence is, with *left bytes after it in its buffer. */
static uint8_t *seq_at(const struct iovec *v, size_t n, size_t off, size_t *left)
{
	for (size_t i = 0; i < n; off -= v[i].iov_len, i++)
		if (off < v[i].iov_len) {
			*left = v[i].iov_len - off;
			return (uint8_t *)v[i].iov_base + off;
		}
	*left = 0;
	return NULL;
}

/* Where the sequence's bytes before end stop, with *left of them in that buffer (end > 0). */
static uint8_t *seq_end(const struct iovec *v, size_t n, size_t end, size_t *left)
{
	for (size_t i = 0; i < n; end -= v[i].iov_len, i++)
		if (end <= v[i].iov_len) {
			*left = end;
			return (uint8_t *)v[i].iov_base + end;
		}
	*left = 0;
	return NULL;
}

/* memmove() within the sequence, buffer by buffer; both ranges lie inside it. */
static void seq_move(const struct iovec *v, size_t n, size_t to, size_t from, size_t len)
{
	while (len > 0) {
		size_t a, b, chunk;
		if (to < from) {
			uint8_t *d = seq_at(v, n, to, &a), *s = seq_at(v, n, from, &b);
			chunk = min_size(min_size(a, b), len);
			memmove(d, s, chunk);
			to += chunk;
			from += chunk;
		} else {
			uint8_t *d = seq_end(v, n, to + len, &a), *s = seq_end(v, n, from + len, &b);
			chunk = min_size(min_size(a, b), len);
			memmove(d - chunk, s - chunk, chunk);
		}
		len -= chunk;
	}
}

/* The sequence's first bytes, as many as out holds or were stored. */
static size_t seq_copy_out(const struct arrival *a, uint8_t *out, size_t cap)
{
	size_t stored = min_size(a->len, a->head_len + a->room + sizeof(a->spill));
	size_t want = min_size(stored, cap);

	for (size_t done = 0, left; done < want; done += left) {
		const uint8_t *s = seq_at(a->iov, a->in.msg_iovlen, done, &left);
		left = min_size(left, want - done);
		memcpy(out + done, s, left);
	}
	return want;
}

/* The datagram's full length in a->len (MSG_TRUNC asked of the kernel). */
static bool arrival_receive(int fd, const struct msghdr *msg, int flags, struct arrival *a)
{
	size_t n = msg->msg_iovlen;
	ssize_t got;

	if (n > IOV_MAX_HERE) {
		errno = EMSGSIZE;
		return false;
	}
	a->head_len = atomic_load_explicit(&expected_header, memory_order_relaxed);
	a->room = 0;
	a->iov[0] = (struct iovec){ .iov_base = a->head, .iov_len = a->head_len };
	for (size_t i = 0; i < n; i++) {
		a->iov[i + 1] = msg->msg_iov[i];
		a->room += msg->msg_iov[i].iov_len;
	}
	a->iov[n + 1] = (struct iovec){ .iov_base = a->spill, .iov_len = sizeof(a->spill) };
	a->in = *msg;
	a->in.msg_iov = a->iov;
	a->in.msg_iovlen = n + 2;
	a->from.ss_family = AF_UNSPEC;
	a->in.msg_name = &a->from;
	a->in.msg_namelen = sizeof(a->from);
	got = real()->recvmsg(fd, &a->in, flags | MSG_TRUNC);
	if (got < 0)
		return false;
	a->len = (size_t)got;
	return true;
}

/* The relay's header: its length, or -1 for a datagram to drop. */
static int arrival_header(const struct arrival *a, struct socks5_addr *addr)
{
	uint8_t hdr[SOCKS5_MAX_MSG];
	uint8_t frag;
	int hlen = socks5_decode_udp_header(a->head, min_size(a->len, a->head_len), &frag, addr);

	if (hlen == SOCKS5_ERR_SHORT && a->len > a->head_len)
		hlen = socks5_decode_udp_header(hdr, seq_copy_out(a, hdr, sizeof(hdr)), &frag, addr);
	return hlen < 0 || frag != 0 ? -1 : hlen;
}

/*
 * The payload, from byte off of the sequence, moved to the start of the
 * application's buffers; the count, the flags and the control data as a
 * recvmsg() of the payload alone would give them.
 */
static ssize_t arrival_deliver(struct arrival *a, size_t off, struct msghdr *msg, int flags)
{
	size_t payload = a->len - off;
	size_t copied = min_size(payload, a->room);

	if (off != a->head_len)
		seq_move(a->iov, a->in.msg_iovlen, a->head_len, off, copied);
	msg->msg_flags = (a->in.msg_flags & ~MSG_TRUNC) | (payload > a->room ? MSG_TRUNC : 0);
	msg->msg_controllen = a->in.msg_controllen;
	return (ssize_t)((flags & MSG_TRUNC) ? payload : copied);
}

static void drop_one(int fd, int flags)
{
	uint8_t byte;

	real()->recv(fd, &byte, sizeof(byte), flags & MSG_DONTWAIT);
}

/* A datagram from the relay: -1 to drop it, else what the call returns. */
static ssize_t from_relay(const struct fd_info *info, struct arrival *a, struct msghdr *msg, int flags)
{
	struct socks5_addr addr;
	struct sockaddr_storage src;
	int hlen = arrival_header(a, &addr);

	if (hlen < 0)
		return -1;
	atomic_store_explicit(&expected_header, (size_t)hlen, memory_order_relaxed);
	reply_source(info, &addr, &src);
	report_source(a->from.ss_family, &src, msg);
	return arrival_deliver(a, (size_t)hlen, msg, flags);
}

/* A datagram not from the relay: as it came when from a direct source, else -1 to drop it. */
static ssize_t from_elsewhere(const struct fd_info *info, struct arrival *a, struct msghdr *msg, int flags)
{
	struct sockaddr_storage src;

	if (!addr_normalize((struct sockaddr *)&a->from, a->in.msg_namelen, &src))
		return -1;
	if (!as_responder(info, &src) && !route_is_direct(proxy_get(), &src))
		return -1;
	report_source(a->from.ss_family, &src, msg);
	return arrival_deliver(a, 0, msg, flags);
}

/*
 * One recvmsg per datagram: MSG_PEEK, MSG_TRUNC and the kernel's msg_flags
 * keep their meaning; datagrams neither from the relay nor from a direct
 * source (nor from the library's DNS responder) are dropped, after being
 * received into the application's buffers past what the call returns. The
 * relay is kept in the socket's family, the one the kernel reports
 * sources in.
 */
ssize_t udp_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct fd_info info;

	if (!fdtable_get(fd, &info) || info.kind != FD_UDP)
		return real()->recvmsg(fd, msg, flags);
	if (info.ctl_fd < 0)
		return recv_plain(fd, &info, msg, flags);
	for (;;) {
		struct arrival a;
		ssize_t n;

		if (!arrival_receive(fd, msg, flags, &a))
			return -1;
		n = addr_equal(&a.from, &info.relay) ? from_relay(&info, &a, msg, flags)
						     : from_elsewhere(&info, &a, msg, flags);
		if (n >= 0)
			return n;
		if (flags & MSG_PEEK)
			drop_one(fd, flags);
	}
}

/* The peer a connected socket's sends go to, and its receives report. */
static int emulate_connect(int fd, struct fd_info *info, bool known, const struct sockaddr_storage *peer,
			   int32_t fake_slot, bool need_v4mapped)
{
	if (!known)
		new_udp_info(info);
	if (bind_if_unbound(fd, socket_family(fd), need_v4mapped) < 0)
		return -1;
	info->peer = *peer;
	info->fake_slot = fake_slot;
	fdtable_set(fd, info);
	return 0;
}

int udp_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct fd_info info;
	struct sockaddr_storage dst;
	struct failure_ctx ctx;
	struct target t;
	const struct proxy *p;
	bool known = fdtable_get(fd, &info) && info.kind == FD_UDP;
	bool valid = addr_normalize(addr, len, &dst);

	if (valid && dns_intercepts(proxy_config(), &dst) && socket_is_udp(fd))
		return emulate_connect(fd, &info, known, &dst, -1, false);
	if (!valid || route_is_direct((p = proxy_get()), &dst)) {
		if (known && info.peer.ss_family != 0) {
			info.peer.ss_family = 0;
			info.fake_slot = -1;
			fdtable_set(fd, &info);
		}
		return real()->connect(fd, addr, len);
	}
	proxy_failure_ctx(p, "", &ctx);
	if (!socket_is_udp(fd))
		return refuse_not_udp(&dst);
	if (!target_of(&dst, &t)) {
		ctx.dest = t.display;
		return fail(FAIL_UNKNOWN_PLACEHOLDER, &ctx);
	}
	return emulate_connect(fd, &info, known, &dst, t.fake_slot,
			       p->naddr > 0 && p->addr[0].ss_family == AF_INET);
}
