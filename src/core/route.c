#include "route.h"

#include "fakedns.h"

#include <pthread.h>
#include <string.h>

static struct {
	pthread_mutex_t lock;
	struct cidr addr[ROUTE_LEARNED_MAX];
	size_t n, next;
} learned = { .lock = PTHREAD_MUTEX_INITIALIZER };

void route_learn_direct(const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage ss;
	struct cidr c = { 0 };

	if (!addr_normalize(addr, len, &ss))
		return;
	c.family = ss.ss_family;
	c.prefix = ss.ss_family == AF_INET ? 32 : 128;
	if (ss.ss_family == AF_INET)
		memcpy(c.bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(c.bytes, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	pthread_mutex_lock(&learned.lock);
	learned.addr[learned.next] = c;
	learned.next = (learned.next + 1) % ROUTE_LEARNED_MAX;
	if (learned.n < ROUTE_LEARNED_MAX)
		learned.n++;
	pthread_mutex_unlock(&learned.lock);
}

static bool was_learned(const struct sockaddr_storage *dst)
{
	bool found = false;

	pthread_mutex_lock(&learned.lock);
	for (size_t i = 0; i < learned.n && !found; i++)
		found = cidr_match(&learned.addr[i], dst);
	pthread_mutex_unlock(&learned.lock);
	return found;
}

bool route_is_direct(const struct proxy *p, const struct sockaddr_storage *dst)
{
	uint32_t slot;

	/* A placeholder means nothing to anyone but the proxy. */
	if (fakedns_in_range(dst, &slot))
		return false;
	for (size_t i = 0; i < p->cfg.ndirect; i++)
		if (cidr_match(&p->cfg.direct[i], dst))
			return true;
	/* A native SOCKS client talking to the proxy itself must not be wrapped. */
	if (proxy_is_self(p, dst))
		return true;
	return was_learned(dst);
}

void route_fork_lock(void)
{
	pthread_mutex_lock(&learned.lock);
}

void route_fork_unlock(void)
{
	pthread_mutex_unlock(&learned.lock);
}
