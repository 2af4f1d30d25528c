/*
 * socksify --check [HOST:PORT]: the path a proxied program takes, one step
 * at a time, through the library's own code (config_load, proxy_get,
 * dial_proxy, socks5_handshake), so that what passes here works there.
 * Each step has the configured timeout. The report goes to stdout; a
 * failing step prints the library's own line for that failure.
 */
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "deadline.h"
#include "dial.h"
#include "failure.h"
#include "handshake.h"
#include "log.h"
#include "proxy.h"
#include "resolve.h"
#include "route.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
/* What failure lines name as the destination of an association. */
#define UDP_DEST "a UDP relay"

extern char **environ;

struct check {
	const struct proxy *p;
	int timeout_ms;

	/* HOST:PORT as given: name (normalised) or IP literal, and the request */
	bool has_target, target_is_ip;
	char host[256];
	uint16_t port;
	struct sockaddr_storage target_ip;
	struct target target;

	char reason[LOG_LINE_MAX];  /* the first failure: the verdict; "" if none */
	char warning[LOG_LINE_MAX]; /* the first warning; "" if none */
};

/* One SOCKS5 exchange and when it started and ended. */
struct exchange {
	struct socks5_result res;
	struct failure_ctx ctx;
	enum failure f;
	int64_t start, end;
};

/* One report line: a prefix, then the text. */
static void report(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	/* clang-analyzer 14 loses track of the callers' va_start. */
	vprintf(fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	putchar('\n');
}

/* "  ok       12 ms  what": the status, the step's time, what happened. */
__attribute__((format(printf, 3, 4)))
static void step(const char *status, int64_t ms, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "  %-4s %6lld ms  ", status, (long long)ms);
	va_start(ap, fmt);
	report(prefix, fmt, ap);
	va_end(ap);
}

/* A line without a time: configuration, skipped steps, DNS. */
__attribute__((format(printf, 2, 3)))
static void note(const char *status, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "  %-4s            ", status);
	va_start(ap, fmt);
	report(prefix, fmt, ap);
	va_end(ap);
}

/* What to look at next, for the failures a user can act on. */
static const char *hint(enum failure f, const struct failure_ctx *ctx)
{
	switch (f) {
	case FAIL_PROXY_CONNECT:
		return ctx->sys_errno == ECONNREFUSED ? "is the proxy running, and on this port?" : NULL;
	case FAIL_PROXY_SILENT:
		return "nothing came back in time: a firewall dropping packets, an overloaded proxy, or not a SOCKS5 server (-t sets the limit)";
	case FAIL_PROXY_CLOSED:
		return "its rules may not allow this client, or this is not a SOCKS5 server";
	case FAIL_MALFORMED:
	case FAIL_METHOD_NOT_OFFERED:
		return "is this a SOCKS5 server (not SOCKS4, not an HTTP proxy)?";
	case FAIL_AUTH_REJECTED:
		return "check the username and the password (-u, --password-file, SOCKSIFY_PASSWORD)";
	case FAIL_REP_NET_UNREACHABLE:
	case FAIL_REP_HOST_UNREACHABLE:
	case FAIL_REP_REFUSED:
	case FAIL_REP_TTL_EXPIRED:
		return "the proxy works; it could not reach the destination from where it is";
	default:
		return NULL;
	}
}

/* A failed step: the library's line for it, which is also the verdict. */
static void step_failed(struct check *c, const char *what, int64_t ms, enum failure f,
			const struct failure_ctx *ctx)
{
	const char *h = hint(f, ctx);

	failure_format(f, ctx, c->reason, sizeof(c->reason));
	step("FAIL", ms, "%s: %s", what, c->reason);
	if (h != NULL)
		note("", "hint: %s", h);
}

static void warn(struct check *c, int64_t ms, const char *summary, const char *line)
{
	step("warn", ms, "%s (%s)", summary, line);
	if (c->warning[0] == '\0')
		snprintf(c->warning, sizeof(c->warning), "%s", summary);
}

/* Bytes a message may show: the username may hold anything. */
static void printable(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < cap; i++)
		out[n++] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	out[n] = '\0';
}

static void seconds(int ms, char *out, size_t cap)
{
	if (ms % 1000 == 0)
		snprintf(out, cap, "%d s", ms / 1000);
	else
		snprintf(out, cap, "%d.%03d s", ms / 1000, ms % 1000);
}

/* ---------------------------------------------------------------- target */

/*
 * HOST:PORT, [IPv6]:PORT or IPv4:PORT. A name is kept as a name: the
 * proxy resolves it, as it does for a program's placeholder address.
 */
static bool parse_target(const char *text, struct check *c)
{
	const char *colon = strrchr(text, ':');
	const char *host = text;
	char raw[256];
	size_t len, norm_len;
	unsigned long port;
	char *end;
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in = { .sin_family = AF_INET };

	if (colon == NULL || colon[1] < '0' || colon[1] > '9')
		return false;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return false;
	len = (size_t)(colon - text);
	if (len >= 2 && text[0] == '[' && colon[-1] == ']') {
		host++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(raw))
		return false;
	memcpy(raw, host, len);
	raw[len] = '\0';
	c->has_target = true;
	c->port = (uint16_t)port;
	in.sin_port = in6.sin6_port = htons(c->port);
	if (host == text && inet_pton(AF_INET, raw, &in.sin_addr) == 1)
		c->target_is_ip = addr_normalize((struct sockaddr *)&in, sizeof(in), &c->target_ip);
	else if (host != text && inet_pton(AF_INET6, raw, &in6.sin6_addr) == 1)
		c->target_is_ip = addr_normalize((struct sockaddr *)&in6, sizeof(in6), &c->target_ip);
	if (c->target_is_ip)
		return true;
	return host == text && strchr(raw, ':') == NULL && name_normalize(raw, c->host, &norm_len);
}

/* The request for HOST:PORT, as the library would send it; false: a
 * placeholder this process never handed out (ctx says so). */
static bool build_target(struct check *c)
{
	struct target *t = &c->target;

	if (c->target_is_ip) {
		bool known = target_of(&c->target_ip, t);
		target_display(t);
		return known;
	}
	memset(t, 0, sizeof(*t));
	t->fake_slot = -1;
	t->addr.atyp = SOCKS5_ATYP_DOMAIN;
	t->addr.name_len = (uint8_t)strlen(c->host);
	memcpy(t->addr.u.name, c->host, t->addr.name_len);
	t->addr.port = c->port;
	target_display(t);
	return true;
}

/* Whether programs would use the proxy for HOST at all. */
static void route_note(const struct check *c)
{
	const struct config *cfg = &c->p->cfg;
	const char *why = NULL;

	if (c->target_is_ip && route_is_direct(c->p, &c->target_ip))
		why = "it is in the direct list";
	else if (!c->target_is_ip && name_source(cfg, c->host) == SOURCE_HOSTS)
		why = "programs take its address from /etc/hosts (or it is localhost or this machine)";
	else if (!c->target_is_ip && name_source(cfg, c->host) == SOURCE_DIRECT)
		why = "it matches direct_hosts";
	if (why != NULL)
		note("info", "note: programs reach %s without the proxy (%s); checking it through the proxy anyway",
		     c->target.display, why);
}

/* -------------------------------------------------------------- settings */

/* Names only: the values may hold a password. */
static void env_names(char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		if (strncmp(*e, "SOCKSIFY_", 9) != 0 || eq == NULL || eq[1] == '\0')
			continue;
		int w = snprintf(out + n, cap - n, "%s%.*s", n ? ", " : "", (int)(eq - *e), *e);
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
}

static void settings_lines(const struct config *cfg)
{
	char text[1024], user[256], t[32];

	config_proxy_display(cfg, text, sizeof(text));
	printf("proxy     %s\n", cfg->has_proxy ? text : "none");
	printable(cfg->user, cfg->user_len, user, sizeof(user));
	if (!cfg->has_user)
		puts("user      none: only \"no authentication\" is offered");
	else
		printf("user      \"%s\", %s\n", user,
		       cfg->has_pass ? "password set (never shown)" : "no password");
	env_names(text, sizeof(text));
	if (cfg->file[0] != '\0' && text[0] != '\0')
		printf("settings  %s, then the environment: %s\n", cfg->file, text);
	else if (cfg->file[0] != '\0')
		printf("settings  %s\n", cfg->file);
	else
		printf("settings  the environment: %s (no configuration file)\n", text[0] ? text : "nothing set");
	seconds(cfg->timeout_ms, t, sizeof(t));
	printf("timeout   %s for each step\n", t);
}

/* Library log lines (none by default) follow -v and -q, as for a command. */
static void set_log_level(const struct config *cfg, int verbosity)
{
	int level = cfg->log_level + verbosity;

	level = level < LOG_SILENT ? LOG_SILENT : level > LOG_DEBUG ? LOG_DEBUG : level;
	setenv("SOCKSIFY_LOG", log_level_name(level), 1);
}

/* --------------------------------------------------------- the proxy's name */

static const struct proxy *resolved;

static void *resolve_thread(void *unused)
{
	(void)unused;
	resolved = proxy_get();
	return NULL;
}

/* proxy_get() under the timeout: the real resolver may wait far longer. */
static const struct proxy *get_proxy(int timeout_ms)
{
	pthread_t t;
	struct timespec until;

	if (pthread_create(&t, NULL, resolve_thread, NULL) != 0)
		return proxy_get();
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	/* On timeout the thread is left behind: the process ends soon. */
	return pthread_timedjoin_np(t, NULL, &until) == 0 ? resolved : NULL;
}

static bool is_ip_literal(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static bool resolve_step(struct check *c, const struct config *cfg)
{
	int64_t start = deadline_now_ms();
	const struct proxy *p = get_proxy(cfg->timeout_ms);
	int64_t ms = deadline_now_ms() - start;
	char display[300], a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct failure_ctx ctx = { .proxy = display, .timeout_ms = cfg->timeout_ms };

	config_proxy_display(cfg, display, sizeof(display));
	if (p == NULL) {
		ctx.detail = "the resolver did not answer in time";
		step_failed(c, "resolve", ms, FAIL_PROXY_RESOLVE, &ctx);
		return false;
	}
	c->p = p;
	if (p->unusable != FAIL_NONE) {
		proxy_failure_ctx(p, NULL, &ctx);
		step_failed(c, "resolve", ms, p->unusable, &ctx);
		return false;
	}
	addr_format(&p->addr[0], a);
	addr_format(&p->addr[p->naddr - 1], b);
	if (is_ip_literal(cfg->proxy_host))
		step("ok", ms, "resolve: %s is an address, nothing to look up", cfg->proxy_host);
	else if (p->naddr == 1)
		step("ok", ms, "resolve: %s is %s", cfg->proxy_host, a);
	else
		step("ok", ms, "resolve: %s is %s and %s", cfg->proxy_host, a, b);
	return true;
}

/* ------------------------------------------------------------ the exchanges */

/*
 * A TCP connection to the proxy as an IPv4 socket reaches it (most
 * programs' sockets are IPv4), else as IPv6: the fd, or -1 with f set.
 */
static int open_proxy(const struct check *c, const char *dest, enum failure *f,
		      struct failure_ctx *ctx)
{
	int family = proxy_addr_for_family(c->p, AF_INET)->ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	proxy_failure_ctx(c->p, dest, ctx);
	if (fd < 0) {
		ctx->sys_errno = errno;
		*f = FAIL_PROXY_CONNECT;
		return -1;
	}
	*f = dial_proxy(fd, c->p, deadline_in(c->timeout_ms), ctx);
	if (*f == FAIL_NONE)
		return fd;
	close(fd);
	return -1;
}

static int connect_step(struct check *c, const char *dest)
{
	int64_t start = deadline_now_ms();
	struct failure_ctx ctx;
	enum failure f;
	int fd = open_proxy(c, dest, &f, &ctx);
	int64_t ms = deadline_now_ms() - start;
	char where[ADDR_STRLEN];

	if (fd < 0) {
		step_failed(c, "TCP connect", ms, f, &ctx);
		return -1;
	}
	addr_format(proxy_addr_for_family(c->p, AF_INET), where);
	step("ok", ms, "TCP connect: %s", where);
	return fd;
}

static void exchange(const struct check *c, int fd, uint8_t cmd, const struct socks5_addr *dst,
		     const char *dest, struct exchange *x)
{
	proxy_failure_ctx(c->p, dest, &x->ctx);
	x->start = deadline_now_ms();
	x->f = socks5_handshake(fd, &c->p->cred, cmd, dst, deadline_in(c->timeout_ms), &x->res);
	x->end = deadline_now_ms();
	x->ctx.command = cmd == SOCKS5_CMD_UDP_ASSOCIATE ? "UDP ASSOCIATE" : "CONNECT";
	x->ctx.code = x->f == FAIL_METHOD_NOT_OFFERED ? x->res.method : x->res.rep;
	x->ctx.sys_errno = x->res.sys_errno;
	x->ctx.detail = x->res.detail;
}

static bool negotiated(const struct exchange *x)
{
	return x->res.method_done_ms != 0 &&
	       (x->res.method != SOCKS5_METHOD_USERPASS || x->res.auth_done_ms != 0);
}

/* When the request went out: after authentication, if there was one. */
static int64_t request_start(const struct exchange *x)
{
	return x->res.auth_done_ms != 0 ? x->res.auth_done_ms : x->res.method_done_ms;
}

/* Method selection and RFC 1929, from the first exchange: false if either failed. */
static bool negotiation_steps(struct check *c, const struct exchange *x)
{
	const struct socks5_result *r = &x->res;
	const struct socks5_credentials *cred = &c->p->cred;
	char user[256] = "";

	if (r->method_done_ms == 0) {
		step_failed(c, "method", x->end - x->start, x->f, &x->ctx);
		return false;
	}
	step("ok", r->method_done_ms - x->start, "method: %s",
	     r->method == SOCKS5_METHOD_USERPASS ? "username/password (0x02)" : "no authentication (0x00)");
	if (cred->user != NULL)
		printable(cred->user, cred->user_len, user, sizeof(user));
	if (r->method != SOCKS5_METHOD_USERPASS && cred->user == NULL) {
		note("skip", "authentication: none (no username configured)");
		return true;
	}
	if (r->method != SOCKS5_METHOD_USERPASS) {
		note("skip", "authentication: not asked for by the proxy (username \"%s\" unused)", user);
		return true;
	}
	if (r->auth_done_ms == 0) {
		step_failed(c, "authentication", x->end - r->method_done_ms, x->f, &x->ctx);
		return false;
	}
	step("ok", r->auth_done_ms - r->method_done_ms,
	     "authentication: username \"%s\" accepted (RFC 1929)", user);
	return true;
}

static bool connect_target_step(struct check *c, const struct exchange *x)
{
	bool by_name = c->target.addr.atyp == SOCKS5_ATYP_DOMAIN;
	int64_t ms = x->end - request_start(x);
	char what[FAKEDNS_NAME_MAX + 64];

	snprintf(what, sizeof(what), "CONNECT %s%s", c->target.display, by_name ? " by name" : "");
	if (x->f != FAIL_NONE) {
		step_failed(c, what, ms, x->f, &x->ctx);
		return false;
	}
	step("ok", ms, "%s: succeeded%s", what, by_name ? " (the proxy resolved the name)" : "");
	return true;
}

/* A bound UDP socket and what the association names as the client: its
 * port, the address left to the proxy (as the library asks). */
static int udp_socket(int family, struct socks5_addr *me)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len = family == AF_INET6 ? sizeof(u.in6) : sizeof(u.in);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&u, 0, sizeof(u));
	u.sa.sa_family = (sa_family_t)family;
	memset(me, 0, sizeof(*me));
	me->atyp = family == AF_INET6 ? SOCKS5_ATYP_IPV6 : SOCKS5_ATYP_IPV4;
	if (fd < 0 || bind(fd, &u.sa, len) < 0 || getsockname(fd, &u.sa, &len) < 0)
		return fd;
	me->port = ntohs(family == AF_INET6 ? u.in6.sin6_port : u.in.sin_port);
	return fd;
}

/* The association stays up only while its UDP socket is open. */
static void udp_exchange(const struct check *c, int fd, struct exchange *x)
{
	struct socks5_addr me;
	int udp = udp_socket(proxy_addr_for_family(c->p, AF_INET)->ss_family, &me);

	exchange(c, fd, SOCKS5_CMD_UDP_ASSOCIATE, &me, UDP_DEST, x);
	if (udp >= 0)
		close(udp);
}

/* BND.ADDR:BND.PORT of an association; all zeros means the proxy's own address. */
static void relay_text(const struct check *c, const struct socks5_addr *a, char out[ADDR_STRLEN])
{
	static const uint8_t zeros[16];
	struct sockaddr_storage ss = *proxy_addr_for_family(c->p, AF_INET);
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(a->port) };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(a->port) };

	if (a->atyp == SOCKS5_ATYP_IPV4 && memcmp(a->u.ipv4, zeros, 4) != 0) {
		memcpy(&in.sin_addr, a->u.ipv4, 4);
		addr_normalize((struct sockaddr *)&in, sizeof(in), &ss);
	} else if (a->atyp == SOCKS5_ATYP_IPV6 && memcmp(a->u.ipv6, zeros, 16) != 0) {
		memcpy(&in6.sin6_addr, a->u.ipv6, 16);
		addr_normalize((struct sockaddr *)&in6, sizeof(in6), &ss);
	} else if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(a->port);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(a->port);
	}
	addr_format(&ss, out);
}

/* UDP is not required (TCP does not need it): a refusal only warns. */
static void udp_step(struct check *c, const struct exchange *x)
{
	const struct socks5_addr *bnd = &x->res.bound;
	char line[LOG_LINE_MAX], relay[ADDR_STRLEN];
	int64_t ms = x->end - (negotiated(x) ? request_start(x) : x->start);

	if (x->f == FAIL_NONE && bnd->atyp == SOCKS5_ATYP_DOMAIN) {
		printable(bnd->u.name, bnd->name_len, line, sizeof(line));
		warn(c, ms, "UDP: the proxy named its relay by host name, which socksify cannot use", line);
		return;
	}
	if (x->f == FAIL_NONE) {
		relay_text(c, bnd, relay);
		step("ok", ms, "UDP ASSOCIATE: relay %s", relay);
		return;
	}
	failure_format(x->f, &x->ctx, line, sizeof(line));
	warn(c, ms, x->f == FAIL_REP_CMD_UNSUPPORTED ? "UDP: not supported by this proxy" : "UDP: failed",
	     line);
	note("", "not required: TCP does not need it, but programs' UDP datagrams will fail");
}

/* With HOST:PORT: the CONNECT on the first connection, the association on a second. */
static bool target_steps(struct check *c, int fd)
{
	struct exchange x;
	struct failure_ctx ctx;
	enum failure f;
	int64_t start;

	exchange(c, fd, SOCKS5_CMD_CONNECT, &c->target.addr, c->target.display, &x);
	close(fd);
	if (!negotiation_steps(c, &x) || !connect_target_step(c, &x))
		return false;
	start = deadline_now_ms();
	fd = open_proxy(c, UDP_DEST, &f, &ctx);
	if (fd < 0) {
		char line[LOG_LINE_MAX];
		failure_format(f, &ctx, line, sizeof(line));
		warn(c, deadline_now_ms() - start, "UDP: no second connection to the proxy", line);
		return true;
	}
	udp_exchange(c, fd, &x);
	close(fd);
	udp_step(c, &x);
	return true;
}

/* Without HOST:PORT the association is the one request. */
static bool association_steps(struct check *c, int fd)
{
	struct exchange x;

	udp_exchange(c, fd, &x);
	close(fd);
	if (!negotiation_steps(c, &x))
		return false;
	note("skip", "CONNECT: no HOST:PORT given (e.g. socksify --check example.com:443)");
	udp_step(c, &x);
	return true;
}

static bool network_steps(struct check *c, const struct config *cfg)
{
	int fd;

	if (!resolve_step(c, cfg))
		return false;
	if (c->has_target && !build_target(c)) {
		struct failure_ctx ctx;
		proxy_failure_ctx(c->p, c->target.display, &ctx);
		step_failed(c, "CONNECT", 0, FAIL_UNKNOWN_PLACEHOLDER, &ctx);
		return false;
	}
	if (c->has_target)
		route_note(c);
	fd = connect_step(c, c->has_target ? c->target.display : UDP_DEST);
	if (fd < 0)
		return false;
	return c->has_target ? target_steps(c, fd) : association_steps(c, fd);
}

/* -------------------------------------------------------------------- DNS */

static void cidr_text(const struct cidr *r, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(r->family, r->bytes, ip, sizeof(ip));
	snprintf(out, cap, "%s/%u", ip, r->prefix);
}

/* How names are handled: from the configuration, nothing is sent. */
static void dns_lines(const struct config *cfg)
{
	char r4[64], r6[64], up[ADDR_STRLEN];

	cidr_text(&cfg->fake_range4, r4, sizeof(r4));
	cidr_text(&cfg->fake_range6, r6, sizeof(r6));
	if (cfg->fake_ipv6)
		note("info", "DNS: names get placeholders from %s and %s, the proxy resolves them", r4, r6);
	else
		note("info", "DNS: names get placeholders from %s (fake_ipv6 off), the proxy resolves them", r4);
	if (cfg->direct_hosts[0] != '\0')
		note("", "DNS: names matching direct_hosts are resolved here and reached directly: %s",
		     cfg->direct_hosts);
	note("", "DNS: programs' own queries: %s", cfg->dns_intercept
		     ? "answered from the same table (dns_intercept on)"
		     : "not intercepted (dns_intercept off)");
	if (cfg->dns_upstream.ss_family == 0) {
		note("", "DNS: other record types: none: MX/TXT/... are refused (dns_upstream)");
		return;
	}
	addr_format(&cfg->dns_upstream, up);
	note("", "DNS: other record types: through the proxy to %s (dns_upstream), by UDP or, "
		     "when the proxy refuses UDP, by DNS over TCP", up);
}

/* ------------------------------------------------------------------ main */

static int verdict(const struct check *c)
{
	if (c->reason[0] != '\0') {
		printf("socksify: check failed: %s\n", c->reason);
		return EXIT_FAILED;
	}
	if (c->warning[0] != '\0')
		printf("socksify: check passed (warning: %s)\n", c->warning);
	else
		puts("socksify: check passed");
	return 0;
}

/* The configuration exactly as the library loads it; false: the reason is set. */
static bool load_step(struct check *c, struct config *cfg)
{
	bool ok = config_load(cfg);

	settings_lines(cfg);
	if (ok && cfg->warning[0] != '\0') {
		note("warn", "%s", cfg->warning);
		snprintf(c->warning, sizeof(c->warning), "%s", cfg->warning);
		proxy_warning_told();
	}
	if (!ok)
		snprintf(c->reason, sizeof(c->reason), "%s", cfg->error);
	else if (!cfg->has_proxy)
		snprintf(c->reason, sizeof(c->reason), "%s",
			 "no proxy configured: use -p socks5://host:port, SOCKSIFY_PROXY, or proxy = ... in socksify.conf");
	else
		return true;
	note("FAIL", "configuration: %s", c->reason);
	return false;
}

int check_main(int nargs, char **args, int verbosity)
{
	static struct check c;
	static struct config cfg;
	int status;

	if (nargs > 1 || (nargs == 1 && !parse_target(args[0], &c))) {
		fprintf(stderr, "socksify: --check takes one optional HOST:PORT (example.com:443, "
				"203.0.113.1:80, [2001:db8::1]:443)\nTry 'socksify --help' for more information.\n");
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (load_step(&c, &cfg)) {
		c.timeout_ms = cfg.timeout_ms;
		set_log_level(&cfg, verbosity);
		network_steps(&c, &cfg);
		dns_lines(&cfg);
	}
	status = verdict(&c);
	memset(&cfg, 0, sizeof(cfg));
	return status;
}
