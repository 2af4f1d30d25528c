#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "fakedns.h"
#include "file.h"
#include "log.h"
#include "real.h"

/*
 * Loaded once and then read without a lock. A load that failed for want of
 * a file descriptor or memory is not kept: the call sees no_resources and
 * a later one tries again.
 */
static struct proxy the_proxy;
static struct proxy no_resources;
static _Atomic(const struct proxy *) loaded;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct config scratch; /* under load_lock: holds a password, wiped */
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

/* socksify --check prints the configuration's warning itself. */
static bool warning_told;

void proxy_warning_told(void)
{
	warning_told = true;
}

static void open_log(const struct config *cfg)
{
	int fd = 2;

	if (cfg->log_file[0] != '\0') {
		fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			fd = 2;
	}
	log_setup(cfg->log_level, fd, fd != 2);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * Only the proxy's own name is looked up, by the real resolver. The first
 * answer is kept, and the first of the other family beside it: "localhost"
 * gives ::1 first, which an AF_INET socket cannot reach.
 */
static bool resolve(struct proxy *p)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int rc = real()->getaddrinfo(p->cfg.proxy_host, "1", &hints, &res);

	if (rc != 0) {
		p->resolve_error = gai_strerror(rc);
		return false;
	}
	for (struct addrinfo *ai = res; ai != NULL && p->naddr < 2; ai = ai->ai_next) {
		struct sockaddr_storage *slot = &p->addr[p->naddr];
		if (!addr_normalize(ai->ai_addr, ai->ai_addrlen, slot))
			continue;
		if (p->naddr == 1 && slot->ss_family == p->addr[0].ss_family)
			continue;
		set_port(slot, p->cfg.proxy_port);
		p->naddr++;
	}
	real()->freeaddrinfo(res);
	if (p->naddr == 0)
		p->resolve_error = "no IPv4 or IPv6 address";
	return p->naddr > 0;
}

const struct sockaddr_storage *proxy_addr_for_family(const struct proxy *p, int family)
{
	if (p->naddr == 2 && p->addr[0].ss_family != family && p->addr[1].ss_family == family)
		return &p->addr[1];
	return &p->addr[0];
}

/* Before the first lookup; a table inherited from a parent keeps its ranges. */
static void configure_fakedns(const struct config *cfg)
{
	struct fakedns_options opt = { .range4 = cfg->fake_range4, .range6 = cfg->fake_range6 };

	fakedns_configure(&opt);
}

/* Under load_lock. Its fields never change once set: readers hold no lock. */
static const struct proxy *out_of_resources(int err)
{
	if (no_resources.unusable == FAIL_NONE) {
		config_defaults(&no_resources.cfg);
		no_resources.load_errno = err;
		no_resources.unusable = FAIL_NO_RESOURCES;
	}
	return &no_resources;
}

/* Under load_lock. */
static const struct proxy *load_config(void)
{
	struct proxy *p = &the_proxy;
	bool ok = config_load(&scratch);

	if (!ok && file_error_transient(scratch.sys_errno)) {
		int err = scratch.sys_errno;
		memset(&scratch, 0, sizeof(scratch));
		return out_of_resources(err);
	}
	p->cfg = scratch;
	memset(&scratch, 0, sizeof(scratch));
	if (!ok) {
		char error[CONFIG_ERROR_MAX];
		memcpy(error, p->cfg.error, sizeof(error));
		config_defaults(&p->cfg);
		configure_fakedns(&p->cfg);
		open_log(&p->cfg);
		log_line(LOG_ERROR, error);
		p->unusable = FAIL_BAD_CONFIG;
		return p;
	}
	configure_fakedns(&p->cfg);
	open_log(&p->cfg);
	if (p->cfg.warning[0] != '\0' && !warning_told)
		log_line(LOG_WARN, p->cfg.warning);
	if (!p->cfg.has_proxy) {
		p->unusable = FAIL_NO_PROXY;
		return p;
	}
	config_proxy_display(&p->cfg, p->display, sizeof(p->display));
	if (p->cfg.has_user) {
		p->cred.user = p->cfg.user;
		p->cred.user_len = p->cfg.user_len;
		p->cred.pass = p->cfg.pass;
		p->cred.pass_len = p->cfg.pass_len;
	}
	return p;
}

/* Set once load_address is done: the addresses may be read without a lock. */
static atomic_bool resolved;

static void load_address(void)
{
	struct proxy *p = &the_proxy;

	if (p->unusable == FAIL_NONE && !resolve(p))
		p->unusable = FAIL_PROXY_RESOLVE;
	atomic_store_explicit(&resolved, true, memory_order_release);
}

bool proxy_is_self(const struct proxy *p, const struct sockaddr_storage *dst)
{
	/* Before it is resolved nothing is the proxy yet; proxy_get() asks again. */
	if (p != &the_proxy || !atomic_load_explicit(&resolved, memory_order_acquire) ||
	    p->unusable != FAIL_NONE)
		return false;
	for (size_t i = 0; i < p->naddr; i++)
		if (addr_equal(&p->addr[i], dst))
			return true;
	return false;
}

const struct proxy *proxy_config(void)
{
	const struct proxy *p = atomic_load_explicit(&loaded, memory_order_acquire);

	if (p != NULL)
		return p;
	real_first_use_once();
	pthread_mutex_lock(&load_lock);
	p = atomic_load_explicit(&loaded, memory_order_relaxed);
	if (p == NULL) {
		p = load_config();
		if (p == &the_proxy)
			atomic_store_explicit(&loaded, p, memory_order_release);
	}
	pthread_mutex_unlock(&load_lock);
	return p;
}

const struct proxy *proxy_get(void)
{
	const struct proxy *p = proxy_config();

	if (p == &the_proxy)
		pthread_once(&resolve_once, load_address);
	return p;
}

void proxy_fork_lock(void)
{
	pthread_mutex_lock(&load_lock);
}

void proxy_fork_unlock(void)
{
	pthread_mutex_unlock(&load_lock);
}

void proxy_failure_ctx(const struct proxy *p, const char *dest, struct failure_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->proxy = p->display;
	ctx->dest = dest;
	ctx->user = p->cred.user;
	ctx->detail = p->resolve_error;
	ctx->timeout_ms = p->cfg.timeout_ms;
	ctx->sys_errno = p->load_errno;
}
