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

static bool ctl_alive(const struct fd_info *info)
{
	struct pollfd pfd = { .fd = info->ctl_fd, .events = POLLIN };

	if (!fd_is(info->ctl_fd, info->ctl_dev, info->ctl_ino))
		return false;
	/* The proxy never speaks on a live control connection: anything is its end. */
	return real()->poll(&pfd, 1, 0) == 0;
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

/* Remembers that this socket sent to a placeholder's name on a port. */
static void note_name(struct fd_info *info, const struct target *t, sa_family_t family)
{
	size_t free_at = FD_UDP_NAMES;

	if (t->fake_slot < 0)
		return;
	for (size_t i = 0; i < FD_UDP_NAMES; i++) {
		if (info->names[i].port == t->addr.port) {
			if (info->names[i].slot != t->fake_slot)
				info->names[i].slot = -1;
			return;
		}
		if (info->names[i].port == 0 && free_at == FD_UDP_NAMES)
			free_at = i;
	}
	if (free_at < FD_UDP_NAMES) {
		info->names[free_at].port = t->addr.port;
		info->names[free_at].slot = t->fake_slot;
		info->names[free_at].family = family;
	}
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

static ssize_t send_to(int fd, struct fd_info *info, bool known, const struct sockaddr_storage *dst,
		       const struct msghdr *msg, int flags)
{
	struct failure_ctx ctx;
	struct target t;
	const struct proxy *p = proxy_get();

	if (route_is_direct(p, dst))
		return real()->sendmsg(fd, msg, flags);
	bool known_placeholder = target_of(dst, &t);
	proxy_failure_ctx(p, t.display, &ctx);
	if (!known && !socket_is_udp(fd))
		return refuse_not_udp(dst);
	if (is_group_address(dst)) {
		errno = EPERM;
		log_msg(LOG_ERROR, "not sending to %s: multicast and broadcast cannot cross a SOCKS5 proxy",
			target_display(&t));
		return -1;
	}
	if (asks_gso(msg)) {
		errno = EIO;
		return -1;
	}
	if (!known_placeholder)
		return fail(FAIL_UNKNOWN_PLACEHOLDER, &ctx);
	if (p->unusable != FAIL_NONE) {
		target_display(&t);
		return fail(p->unusable, &ctx);
	}
	if (!known)
		new_udp_info(info);
	bool fresh = !ctl_alive(info);
	if (fresh) {
		target_display(&t); /* ctx.dest, for the association's lines */
		enum failure f = associate(fd, p, info, &ctx);
		if (f != FAIL_NONE)
			return fail(f, &ctx);
	}
	struct fd_info before = *info;
	note_name(info, &t, dst->ss_family);
	if (fresh || memcmp(&before.names, &info->names, sizeof(info->names)) != 0)
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

static void report_source(int fd, const struct sockaddr_storage *src, struct msghdr *msg)
{
	struct sockaddr_storage out;
	socklen_t full = addr_in_family(src, socket_family(fd), &out);

	if (msg->msg_name == NULL)
		return;
	if (full == 0) {
		out = *src;
		full = addr_len(src);
	}
	memcpy(msg->msg_name, &out, msg->msg_namelen < full ? msg->msg_namelen : full);
	msg->msg_namelen = full;
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
	if (dns_from_responder(&src))
		src = info->dns_ns.ss_family != 0 ? info->dns_ns : info->peer;
	report_source(fd, &src, msg);
	return n;
}

static void drop_one(int fd, int flags)
{
	uint8_t byte;

	real()->recv(fd, &byte, sizeof(byte), flags & MSG_DONTWAIT);
}

/*
 * Peeks at the header first, then receives header and payload in one
 * call with the header in its own buffer: the payload lands straight in
 * the application's buffers, and MSG_PEEK, MSG_TRUNC and the kernel's
 * msg_flags keep their meaning.
 */
ssize_t udp_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct fd_info info;
	const struct proxy *p;

	if (!fdtable_get(fd, &info) || info.kind != FD_UDP)
		return real()->recvmsg(fd, msg, flags);
	if (info.ctl_fd < 0)
		return recv_plain(fd, &info, msg, flags);
	p = proxy_get();
	for (;;) {
		uint8_t hdr[SOCKS5_MAX_MSG];
		struct sockaddr_storage from, src;
		socklen_t fromlen = sizeof(from);
		struct socks5_addr a;
		uint8_t frag;
		ssize_t n = real()->recvfrom(fd, hdr, sizeof(hdr), MSG_PEEK | (flags & MSG_DONTWAIT),
					     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return -1;
		if (!addr_normalize((struct sockaddr *)&from, fromlen, &src)) {
			drop_one(fd, flags);
			continue;
		}
		struct sockaddr_storage relay;
		addr_normalize((struct sockaddr *)&info.relay, addr_len(&info.relay), &relay);
		if (!addr_equal(&src, &relay)) {
			if (route_is_direct(p, &src) || dns_from_responder(&src))
				return recv_plain(fd, &info, msg, flags);
			drop_one(fd, flags);
			continue;
		}
		int hlen = socks5_decode_udp_header(hdr, (size_t)n, &frag, &a);
		if (hlen < 0 || frag != 0) {
			drop_one(fd, flags);
			continue;
		}
		struct iovec iov[IOV_MAX_HERE + 1];
		struct msghdr in;
		if (!with_header(&in, iov, msg, hdr, (size_t)hlen))
			return -1;
		in.msg_name = NULL;
		in.msg_namelen = 0;
		n = real()->recvmsg(fd, &in, flags);
		if (n < 0)
			return -1;
		msg->msg_flags = in.msg_flags;
		msg->msg_controllen = in.msg_controllen;
		reply_source(&info, &a, &src);
		report_source(fd, &src, msg);
		return n < hlen ? 0 : n - hlen;
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
