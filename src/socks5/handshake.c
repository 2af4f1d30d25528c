#include "handshake.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "deadline.h"
#include "log.h"
#include "real.h"

enum hs_state {
	HS_SEND_GREETING,
	HS_READ_METHOD,
	HS_SEND_AUTH,
	HS_READ_AUTH,
	HS_SEND_REQUEST,
	HS_READ_REPLY,
	HS_DONE,
};

struct hs {
	int fd;
	int64_t deadline;
	const struct socks5_credentials *cred;
	uint8_t cmd;
	const struct socks5_addr *dst;
	struct socks5_result *res;
};

static enum failure io_error(struct hs *h, int err)
{
	if (err == ECONNRESET || err == EPIPE)
		return FAIL_PROXY_CLOSED;
	h->res->sys_errno = err;
	return FAIL_PROXY_IO;
}

static enum failure wait_for(struct hs *h, short events)
{
	struct pollfd p = { .fd = h->fd, .events = events };

	for (;;) {
		int left = deadline_left(h->deadline);
		if (left == 0)
			return FAIL_PROXY_SILENT;
		int n = real()->poll(&p, 1, left);
		if (n > 0)
			return FAIL_NONE;
		if (n < 0 && errno != EINTR)
			return io_error(h, errno);
	}
}

static enum failure send_all(struct hs *h, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = real()->send(h->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return io_error(h, errno);
		enum failure f = wait_for(h, POLLOUT);
		if (f != FAIL_NONE)
			return f;
	}
	return FAIL_NONE;
}

/* Reads exactly len bytes: never more, the rest belongs to the application. */
static enum failure recv_exact(struct hs *h, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = real()->recv(h->fd, buf, len, MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return FAIL_PROXY_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return io_error(h, errno);
		enum failure f = wait_for(h, POLLIN);
		if (f != FAIL_NONE)
			return f;
	}
	return FAIL_NONE;
}

static enum failure malformed(struct hs *h, int err, const char *where)
{
	snprintf(h->res->detail, sizeof(h->res->detail), "%s in the %s", socks5_strerror(err), where);
	return FAIL_MALFORMED;
}

static enum failure send_greeting(struct hs *h, enum hs_state *next)
{
	uint8_t methods[2] = { SOCKS5_METHOD_NONE, SOCKS5_METHOD_USERPASS };
	uint8_t buf[8];
	int n = socks5_encode_greeting(buf, sizeof(buf), methods, h->cred->user ? 2 : 1);

	*next = HS_READ_METHOD;
	return send_all(h, buf, (size_t)n);
}

static enum failure read_method(struct hs *h, enum hs_state *next)
{
	uint8_t buf[2];
	enum failure f = recv_exact(h, buf, sizeof(buf));
	int n;

	if (f != FAIL_NONE)
		return f;
	n = socks5_decode_method_choice(buf, sizeof(buf), &h->res->method);
	if (n < 0)
		return malformed(h, n, "method selection reply");
	switch (h->res->method) {
	case SOCKS5_METHOD_NONE:
		*next = HS_SEND_REQUEST;
		h->res->method_done_ms = deadline_now_ms();
		return FAIL_NONE;
	case SOCKS5_METHOD_USERPASS:
		if (h->cred->user == NULL)
			return FAIL_METHOD_NOT_OFFERED;
		*next = HS_SEND_AUTH;
		h->res->method_done_ms = deadline_now_ms();
		return FAIL_NONE;
	case SOCKS5_METHOD_REJECT:
		snprintf(h->res->detail, sizeof(h->res->detail), "%s",
			 h->cred->user ? "offered: none, username/password"
				       : "offered: none; it may want a username and password");
		return FAIL_NO_METHOD;
	default:
		return FAIL_METHOD_NOT_OFFERED;
	}
}

static enum failure send_auth(struct hs *h, enum hs_state *next)
{
	uint8_t buf[SOCKS5_MAX_AUTH];
	const struct socks5_credentials *c = h->cred;
	int n = socks5_encode_auth(buf, sizeof(buf), c->user, c->user_len,
				   c->pass ? c->pass : "", c->pass ? c->pass_len : 0);
	enum failure f;

	if (n < 0)
		return malformed(h, n, "credentials (each at most 255 bytes)");
	f = send_all(h, buf, (size_t)n);
	memset(buf, 0, sizeof(buf));
	*next = HS_READ_AUTH;
	return f;
}

static enum failure read_auth(struct hs *h, enum hs_state *next)
{
	uint8_t buf[2], status;
	enum failure f = recv_exact(h, buf, sizeof(buf));
	int n;

	if (f != FAIL_NONE)
		return f;
	n = socks5_decode_auth_reply(buf, sizeof(buf), &status);
	if (n < 0)
		return malformed(h, n, "authentication reply");
	if (status != 0)
		return FAIL_AUTH_REJECTED;
	*next = HS_SEND_REQUEST;
	h->res->auth_done_ms = deadline_now_ms();
	return FAIL_NONE;
}

static enum failure send_request(struct hs *h, enum hs_state *next)
{
	uint8_t buf[SOCKS5_MAX_MSG];
	int n = socks5_encode_request(buf, sizeof(buf), h->cmd, h->dst);

	if (n < 0)
		return malformed(h, n, "request");
	*next = HS_READ_REPLY;
	return send_all(h, buf, (size_t)n);
}

static enum failure read_reply(struct hs *h, enum hs_state *next)
{
	uint8_t buf[SOCKS5_MAX_MSG];
	size_t have = 0;
	int need;

	while ((need = socks5_reply_need(buf, have)) > (int)have) {
		enum failure f = recv_exact(h, buf + have, (size_t)need - have);
		if (f != FAIL_NONE)
			return f;
		have = (size_t)need;
	}
	if (need < 0)
		return malformed(h, need, "reply");
	need = socks5_decode_reply(buf, have, &h->res->rep, &h->res->bound);
	if (need < 0)
		return malformed(h, need, "reply");
	*next = HS_DONE;
	return h->res->rep == SOCKS5_REP_SUCCEEDED ? FAIL_NONE : failure_from_rep(h->res->rep);
}

static const char *method_name(uint8_t method)
{
	return method == SOCKS5_METHOD_NONE ? "no authentication" : "username/password";
}

static const char *command_name(uint8_t cmd)
{
	return cmd == SOCKS5_CMD_CONNECT ? "CONNECT" : cmd == SOCKS5_CMD_UDP_ASSOCIATE ? "UDP ASSOCIATE" : "BIND";
}

/* -vv: the step just done, never a password. */
static void trace(const struct hs *h, enum hs_state done)
{
	char addr[SOCKS5_ADDR_STRLEN];

	if (!log_enabled(LOG_DEBUG))
		return;
	switch (done) {
	case HS_SEND_GREETING:
		log_msg(LOG_DEBUG, "fd %d: offered %s", h->fd,
			h->cred->user ? "no authentication, username/password" : "no authentication");
		break;
	case HS_READ_METHOD:
		log_msg(LOG_DEBUG, "fd %d: the proxy chose %s", h->fd, method_name(h->res->method));
		break;
	case HS_SEND_AUTH:
		log_msg(LOG_DEBUG, "fd %d: sent username \"%.*s\" and the password (RFC 1929)", h->fd,
			(int)h->cred->user_len, h->cred->user);
		break;
	case HS_READ_AUTH:
		log_msg(LOG_DEBUG, "fd %d: authentication accepted", h->fd);
		break;
	case HS_SEND_REQUEST:
		socks5_addr_format(h->dst, addr);
		log_msg(LOG_DEBUG, "fd %d: sent %s %s", h->fd, command_name(h->cmd), addr);
		break;
	default:
		socks5_addr_format(&h->res->bound, addr);
		log_msg(LOG_DEBUG, "fd %d: the proxy replied %u, bound to %s", h->fd, h->res->rep, addr);
		break;
	}
}

enum failure socks5_handshake(int fd, const struct socks5_credentials *cred, uint8_t cmd,
			      const struct socks5_addr *dst, int64_t deadline,
			      struct socks5_result *res)
{
	static enum failure (*const step[])(struct hs *, enum hs_state *) = {
		[HS_SEND_GREETING] = send_greeting,
		[HS_READ_METHOD] = read_method,
		[HS_SEND_AUTH] = send_auth,
		[HS_READ_AUTH] = read_auth,
		[HS_SEND_REQUEST] = send_request,
		[HS_READ_REPLY] = read_reply,
	};
	struct hs h = { fd, deadline, cred, cmd, dst, res };
	enum hs_state state = HS_SEND_GREETING;
	enum failure f = FAIL_NONE;

	memset(res, 0, sizeof(*res));
	while (state != HS_DONE && f == FAIL_NONE) {
		enum hs_state doing = state;
		f = step[state](&h, &state);
		if (f == FAIL_NONE)
			trace(&h, doing);
	}
	return f;
}
