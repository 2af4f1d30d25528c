#include "route.h"

#include "fakedns.h"

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
	for (size_t i = 0; p->unusable == FAIL_NONE && i < p->naddr; i++)
		if (addr_equal(&p->addr[i], dst))
			return true;
	return false;
}
