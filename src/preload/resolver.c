/*
 * Hooks of the resolver family: getaddrinfo, getaddrinfo_a, getnameinfo,
 * gethostbyname*, gethostbyaddr*. freeaddrinfo is not hooked: every list
 * handed out is either libc's own getaddrinfo's or built by addrinfo.c in
 * glibc's layout (one block per node, a separate canonical name), so
 * libc's free is right for both.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns_answer.h"
#include "dnsmsg.h"
#include "hook.h"
#include "real.h"
#include "resolve.h"

HOOK int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		     struct addrinfo **res)
{
	return resolve_getaddrinfo(node, service, hints, res);
}

HOOK int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		     char *serv, socklen_t servlen, int flags)
{
	return resolve_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
}

static void *notify_thread(void *arg)
{
	struct sigevent *sev = arg;

	sev->sigev_notify_function(sev->sigev_value);
	return NULL;
}

static void notify(struct sigevent *sev)
{
	pthread_t tid;
	pthread_attr_t attr;

	if (sev == NULL)
		return;
	if (sev->sigev_notify == SIGEV_SIGNAL) {
		sigqueue(getpid(), sev->sigev_signo, sev->sigev_value);
		return;
	}
	if (sev->sigev_notify != SIGEV_THREAD)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&tid, sev->sigev_notify_attributes ? sev->sigev_notify_attributes : &attr,
		       notify_thread, sev);
	pthread_attr_destroy(&attr);
}

/*
 * glibc's workers call its internal getaddrinfo, which no hook sees, so
 * the requests are answered here, at once (no query ever waits on the
 * network); gai_error() reads the result libc's way, from __return.
 */
HOOK int getaddrinfo_a(int mode, struct gaicb *list[], int nitems, struct sigevent *sevp)
{
	for (int i = 0; i < nitems; i++) {
		struct gaicb *req = list[i];
		if (req != NULL)
			req->__return = resolve_getaddrinfo(req->ar_name, req->ar_service,
							    req->ar_request, &req->ar_result);
	}
	if (mode == GAI_NOWAIT)
		notify(sevp);
	return 0;
}

/* Callers such as CPython read h_errno even after the reentrant forms. */
static int reentrant(int rc, const struct hostent *result, const int *h_errnop)
{
	if (result == NULL)
		h_errno = *h_errnop;
	return rc;
}

HOOK int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			  struct hostent **result, int *h_errnop)
{
	int rc = resolve_gethostbyname(name, af, ret, buf, buflen, result, h_errnop);

	if (rc == RESOLVE_NOT_OURS)
		return real()->gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	return reentrant(rc, *result, h_errnop);
}

HOOK int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			 struct hostent **result, int *h_errnop)
{
	int rc = resolve_gethostbyname(name, AF_INET, ret, buf, buflen, result, h_errnop);

	if (rc == RESOLVE_NOT_OURS)
		return real()->gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	return reentrant(rc, *result, h_errnop);
}

HOOK int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
			 char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	int rc = resolve_gethostbyaddr(addr, len, type, ret, buf, buflen, result, h_errnop);

	if (rc == RESOLVE_NOT_OURS)
		return real()->gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop);
	return reentrant(rc, *result, h_errnop);
}

/*
 * The non-reentrant forms return storage of the calling thread's, made at
 * its first call: thread-local storage would cost every process its
 * set-up at start.
 */
struct host_storage {
	struct hostent he;
	char buf[4096];
};

static pthread_key_t host_key;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void free_storage(void *h)
{
	free(h);
}

static void make_host_key(void)
{
	pthread_key_create(&host_key, free_storage);
}

static struct host_storage *host_storage(void)
{
	struct host_storage *h;

	pthread_once(&host_once, make_host_key);
	h = pthread_getspecific(host_key);
	if (h == NULL) {
		h = calloc(1, sizeof(*h));
		if (h != NULL && pthread_setspecific(host_key, h) != 0) {
			free(h);
			h = NULL;
		}
	}
	return h;
}

/* No storage to answer in: what the reentrant form says then. */
static int no_storage(struct hostent **result, int *err)
{
	*result = NULL;
	*err = NETDB_INTERNAL;
	errno = ENOMEM;
	return ENOMEM;
}

static struct hostent *answered(int rc, struct hostent *result, int err)
{
	if (result == NULL)
		h_errno = err;
	if (rc == ERANGE)
		errno = ERANGE;
	return result;
}

HOOK struct hostent *gethostbyname2(const char *name, int af)
{
	struct host_storage *h = host_storage();
	struct hostent *result;
	int err;
	int rc = h == NULL ? no_storage(&result, &err)
			   : resolve_gethostbyname(name, af, &h->he, h->buf, sizeof(h->buf), &result, &err);

	if (rc == RESOLVE_NOT_OURS)
		return real()->gethostbyname2(name, af);
	return answered(rc, result, err);
}

HOOK struct hostent *gethostbyname(const char *name)
{
	return gethostbyname2(name, AF_INET);
}

HOOK struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct host_storage *h = host_storage();
	struct hostent *result;
	int err;
	int rc = h == NULL ? no_storage(&result, &err)
			   : resolve_gethostbyaddr(addr, len, type, &h->he, h->buf, sizeof(h->buf), &result,
						   &err);

	if (rc == RESOLVE_NOT_OURS)
		return real()->gethostbyaddr(addr, len, type);
	return answered(rc, result, err);
}

/*
 * The res_* family: glibc's own resolver calls its internal functions, so
 * socket hooks never see these queries; they are answered by the same
 * engine as getaddrinfo. Each public name has its __res_ twin, which
 * programs built against older glibc headers link to.
 */
static int by_name(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	int err = 0;
	int rc = name ? dns_answer_res_query(name, class, type, answer, anslen, &err) : DNS_ANSWER_PASS;

	if (rc == -1)
		h_errno = err;
	return rc;
}

/* "name.domain", or NULL when it would be too long (the real one then says so). */
static const char *joined(const char *name, const char *domain, char out[DNS_NAME_MAX + 2])
{
	if (domain == NULL)
		return name;
	if (name == NULL || (size_t)snprintf(out, DNS_NAME_MAX + 2, "%s.%s", name, domain) > DNS_NAME_MAX)
		return NULL;
	return out;
}

HOOK int res_query(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	int rc = by_name(name, class, type, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc : real()->res_query(name, class, type, answer, anslen);
}

HOOK int res_search(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	int rc = by_name(name, class, type, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc : real()->res_search(name, class, type, answer, anslen);
}

HOOK int res_querydomain(const char *name, const char *domain, int class, int type,
			 unsigned char *answer, int anslen)
{
	char full[DNS_NAME_MAX + 2];
	int rc = by_name(joined(name, domain, full), class, type, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc
				     : real()->res_querydomain(name, domain, class, type, answer, anslen);
}

HOOK int res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	int rc = dns_answer_res_send(msg, msglen, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc : real()->res_send(msg, msglen, answer, anslen);
}

HOOK int res_nquery(res_state statp, const char *name, int class, int type, unsigned char *answer,
		    int anslen)
{
	int rc = by_name(name, class, type, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc : real()->res_nquery(statp, name, class, type, answer, anslen);
}

HOOK int res_nsearch(res_state statp, const char *name, int class, int type, unsigned char *answer,
		     int anslen)
{
	int rc = by_name(name, class, type, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc : real()->res_nsearch(statp, name, class, type, answer, anslen);
}

HOOK int res_nquerydomain(res_state statp, const char *name, const char *domain, int class, int type,
			  unsigned char *answer, int anslen)
{
	char full[DNS_NAME_MAX + 2];
	int rc = by_name(joined(name, domain, full), class, type, answer, anslen);

	return rc != DNS_ANSWER_PASS
		       ? rc
		       : real()->res_nquerydomain(statp, name, domain, class, type, answer, anslen);
}

HOOK int res_nsend(res_state statp, const unsigned char *msg, int msglen, unsigned char *answer,
		   int anslen)
{
	int rc = dns_answer_res_send(msg, msglen, answer, anslen);

	return rc != DNS_ANSWER_PASS ? rc : real()->res_nsend(statp, msg, msglen, answer, anslen);
}

/* GCC wants the twin to carry the target's nothrow/leaf; clang has no copy(). */
#ifdef __clang__
#define SAME_ATTRIBUTES_AS(name)
#else
#define SAME_ATTRIBUTES_AS(name) , copy(name)
#endif
#define RES_TWIN(name, ...) \
	HOOK int __##name(__VA_ARGS__) __attribute__((alias(#name) SAME_ATTRIBUTES_AS(name)))
RES_TWIN(res_query, const char *, int, int, unsigned char *, int);
RES_TWIN(res_search, const char *, int, int, unsigned char *, int);
RES_TWIN(res_querydomain, const char *, const char *, int, int, unsigned char *, int);
RES_TWIN(res_send, const unsigned char *, int, unsigned char *, int);
RES_TWIN(res_nquery, res_state, const char *, int, int, unsigned char *, int);
RES_TWIN(res_nsearch, res_state, const char *, int, int, unsigned char *, int);
RES_TWIN(res_nquerydomain, res_state, const char *, const char *, int, int, unsigned char *, int);
RES_TWIN(res_nsend, res_state, const unsigned char *, int, unsigned char *, int);
