#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrinfo.h"
#include "fakedns.h"
#include "hosts.h"
#include "log.h"
#include "proxy.h"
#include "real.h"
#include "route.h"

/* Where the name starts or ends with a dot, or has two in a row. */
static bool has_empty_label(const char *name, size_t len)
{
	const char *end = name + len;

	if (name[0] == '.' || end[-1] == '.')
		return true;
	for (const char *dot = memchr(name, '.', len); dot != NULL;
	     dot = memchr(dot + 1, '.', (size_t)(end - dot - 1)))
		if (dot[1] == '.')
			return true;
	return false;
}

/*
 * ASCII 'A'..'Z' made lowercase in eight bytes at once (every name looked
 * up passes here); other bytes, UTF-8 ones too, are left as they are.
 * Per byte, adding to its low seven bits sets the high bit from 'A' up,
 * and from past 'Z' up, without a carry into the next byte.
 */
static uint64_t lower8(uint64_t bytes)
{
	const uint64_t ones = 0x0101010101010101u, high = ones * 0x80;
	uint64_t low7 = bytes & ~high;
	uint64_t from_a = low7 + ones * (0x80 - 'A'), past_z = low7 + ones * (0x7f - 'Z');
	uint64_t upper = from_a & ~past_z & ~bytes & high;

	return bytes | (upper >> 2);
}

static void lower_copy(char *out, const char *name, size_t len)
{
	size_t i = 0;
	uint64_t bytes;

	for (; len - i >= 8; i += 8) {
		memcpy(&bytes, name + i, 8);
		bytes = lower8(bytes);
		memcpy(out + i, &bytes, 8);
	}
	bytes = 0;
	memcpy(&bytes, name + i, len - i);
	bytes = lower8(bytes);
	memcpy(out + i, &bytes, len - i);
}

bool name_normalize(const char *name, char out[256], size_t *out_len)
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > FAKEDNS_NAME_MAX || has_empty_label(name, len))
		return false;
	lower_copy(out, name, len);
	out[len] = '\0';
	*out_len = len;
	return true;
}


static bool is_localhost(const char *name)
{
	size_t len = strlen(name);

	return strcmp(name, "localhost") == 0 ||
	       (len > 10 && strcmp(name + len - 10, ".localhost") == 0);
}

static bool in_hosts_file(const char *name)
{
	return hosts_has_name(HOSTS_PATH, name);
}

/* "name" exactly, "*.domain" below it, ".domain" it and below it. */
static bool pattern_matches(const char *pat, size_t plen, const char *name, size_t nlen)
{
	if (plen >= 2 && pat[0] == '*' && pat[1] == '.')
		return nlen > plen - 1 && memcmp(name + nlen - (plen - 1), pat + 1, plen - 1) == 0;
	if (plen >= 1 && pat[0] == '.')
		return (nlen == plen - 1 && memcmp(name, pat + 1, nlen) == 0) ||
		       (nlen > plen && memcmp(name + nlen - plen, pat, plen) == 0);
	return nlen == plen && memcmp(name, pat, plen) == 0;
}

static bool in_direct_hosts(const struct config *cfg, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *p = cfg->direct_hosts; *p != '\0';) {
		size_t plen = strcspn(p, ",");
		if (plen > 0 && pattern_matches(p, plen, name, nlen))
			return true;
		p += plen;
		p += *p == ',';
	}
	return false;
}

enum name_source name_source(const struct config *cfg, const char *name)
{
	static bool (*const local[])(const char *) = { is_localhost, hosts_is_own_name, in_hosts_file };

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (local[i](name))
			return SOURCE_HOSTS;
	return in_direct_hosts(cfg, name) ? SOURCE_DIRECT : SOURCE_FAKE;
}

/*
 * A local name's addresses come from /etc/hosts only: the real resolver
 * would go on to DNS for a family the file does not list (the machine's
 * name has an IPv4 line only on Debian). localhost works without the file.
 */
static size_t local_addrs(const char *name, struct sockaddr_storage *out, size_t max)
{
	size_t n = hosts_addrs(HOSTS_PATH, name, out, max);

	if (n > 0 || !is_localhost(name) || max < 2)
		return n;
	memset(out, 0, 2 * sizeof(*out));
	out[0].ss_family = AF_INET;
	((struct sockaddr_in *)&out[0])->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	out[1].ss_family = AF_INET6;
	((struct sockaddr_in6 *)&out[1])->sin6_addr = (struct in6_addr)IN6ADDR_LOOPBACK_INIT;
	return 2;
}

/* An address as text for libc's numeric parser; IPv4 may be written v4-mapped. */
static bool addr_text(const struct sockaddr_storage *ss, bool mapped, char out[INET6_ADDRSTRLEN + 8])
{
	static const char prefix[] = "::ffff:";
	size_t n = mapped ? sizeof(prefix) - 1 : 0;

	if (ss->ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out,
				 INET6_ADDRSTRLEN) != NULL;
	memcpy(out, prefix, n);
	return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out + n,
			 INET_ADDRSTRLEN) != NULL;
}

/* An address's bytes as a list gives them (IPv4 may be v4-mapped), and their family. */
static int addr_bytes(const struct sockaddr_storage *ss, bool mapped, uint8_t out[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return AF_INET6;
	}
	if (!mapped) {
		memcpy(out, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return AF_INET;
	}
	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + sizeof(prefix), &((const struct sockaddr_in *)ss)->sin_addr, 4);
	return AF_INET6;
}

/* The placeholder that a lookup of this family gets, and whether v4-mapped. */
static bool placeholder(const struct proxy *p, uint32_t slot, int family, int flags,
			struct sockaddr_storage *ss, bool *mapped)
{
	memset(ss, 0, sizeof(*ss));
	*mapped = false;
	if (family == AF_INET6 && p->cfg.fake_ipv6) {
		ss->ss_family = AF_INET6;
		fakedns_addr6(slot, &((struct sockaddr_in6 *)ss)->sin6_addr);
		return true;
	}
	if (family == AF_INET6 && !(flags & AI_V4MAPPED))
		return false;
	ss->ss_family = AF_INET;
	fakedns_addr4(slot, &((struct sockaddr_in *)ss)->sin_addr);
	*mapped = family == AF_INET6;
	return true;
}

/* The table logs its own failures, once each. */
static int fake_slot(const char *name, size_t len, uint32_t *slot)
{
	switch (fakedns_lookup(name, len, slot)) {
	case FAKEDNS_OK:
		return 0;
	case FAKEDNS_FULL:
		return EAI_AGAIN;
	default:
		return EAI_MEMORY;
	}
}

/* libc would name the number; the caller asked for the name. */
static int set_canonname(const char *name, const struct addrinfo *hints, struct addrinfo **res)
{
	if (name == NULL || !(hints->ai_flags & AI_CANONNAME))
		return 0;
	(*res)->ai_canonname = strdup(name);
	if ((*res)->ai_canonname != NULL)
		return 0;
	real()->freeaddrinfo(*res);
	*res = NULL;
	return EAI_MEMORY;
}

/*
 * libc's list for the address as text, for requests the builder leaves to
 * it (named services, other socket types): every hints combination stays
 * libc's. Its nodes carry the caller's flags, as a lookup by name gives.
 */
static int libc_list(const struct sockaddr_storage *ss, bool mapped, const char *service,
		     const struct addrinfo *hints, const char *name, struct addrinfo **res)
{
	char text[INET6_ADDRSTRLEN + 8];
	struct addrinfo numeric = *hints;
	int rc;

	if (!addr_text(ss, mapped, text))
		return EAI_NONAME;
	numeric.ai_flags = (hints->ai_flags | AI_NUMERICHOST) &
			   ~(AI_ADDRCONFIG | AI_CANONNAME | AI_V4MAPPED | AI_ALL);
	rc = real()->getaddrinfo(text, service, &numeric, res);
	if (rc != 0)
		return rc;
	for (struct addrinfo *ai = *res; ai != NULL; ai = ai->ai_next)
		ai->ai_flags = hints->ai_flags;
	return set_canonname(name, hints, res);
}

/*
 * The list for one address, glibc's as for a numeric lookup but with name
 * (when given) as the canonical name: built here when req is not NULL,
 * else by libc.
 */
static int address_list(const struct sockaddr_storage *ss, bool mapped, const char *service,
			const struct addrinfo *hints, const struct addrinfo_request *req,
			const char *name, struct addrinfo **res)
{
	uint8_t bytes[16];

	if (req == NULL)
		return libc_list(ss, mapped, service, hints, name, res);
	return addrinfo_build(req, addr_bytes(ss, mapped, bytes), bytes, name, res);
}

/* Formatting the placeholder costs more than the whole lookup: only when it is shown. */
static void log_placeholder(const char *name, const struct sockaddr_storage *ss, bool mapped)
{
	char text[INET6_ADDRSTRLEN + 8];

	if (log_enabled(LOG_DEBUG) && addr_text(ss, mapped, text))
		log_msg(LOG_DEBUG, "%s is placeholder %s", name, text);
}

static int fake_getaddrinfo(const struct proxy *p, const char *name, size_t len, const char *service,
			    const struct addrinfo *hints, const struct addrinfo_request *req,
			    struct addrinfo **res)
{
	struct sockaddr_storage ss;
	bool mapped;
	uint32_t slot;
	int rc = fake_slot(name, len, &slot);

	if (rc != 0)
		return rc;
	if (!placeholder(p, slot, hints->ai_family, hints->ai_flags, &ss, &mapped))
		return EAI_NONAME;
	rc = address_list(&ss, mapped, service, hints, req, name, res);
	if (rc == 0)
		log_placeholder(name, &ss, mapped);
	return rc;
}

/* Whether an address of this family answers the request, and if v4-mapped. */
static bool wanted(const struct sockaddr_storage *ss, const struct addrinfo *hints, bool have_v6,
		   bool *mapped)
{
	*mapped = false;
	if (hints->ai_family == AF_UNSPEC || hints->ai_family == ss->ss_family)
		return true;
	if (hints->ai_family != AF_INET6 || !(hints->ai_flags & AI_V4MAPPED))
		return false;
	*mapped = !have_v6 || (hints->ai_flags & AI_ALL);
	return *mapped;
}

static bool any_v6(const struct sockaddr_storage *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addrs[i].ss_family == AF_INET6)
			return true;
	return false;
}

/* One list per address, chained (freeaddrinfo frees node by node); the name on the first. */
static int hosts_getaddrinfo(const char *name, const char *service, const struct addrinfo *hints,
			     const struct addrinfo_request *req, struct addrinfo **res)
{
	struct sockaddr_storage addrs[16];
	size_t n = local_addrs(name, addrs, sizeof(addrs) / sizeof(addrs[0]));
	bool have_v6 = any_v6(addrs, n), mapped;
	struct addrinfo *head = NULL, **tail = &head;

	for (size_t i = 0; i < n; i++) {
		if (!wanted(&addrs[i], hints, have_v6, &mapped))
			continue;
		int rc = address_list(&addrs[i], mapped, service, hints, req, head == NULL ? name : NULL, tail);
		if (rc != 0) {
			if (head != NULL)
				real()->freeaddrinfo(head);
			return rc;
		}
		while (*tail != NULL)
			tail = &(*tail)->ai_next;
	}
	if (head == NULL)
		return EAI_NONAME;
	*res = head;
	return 0;
}

/* The real resolver's answer, whose addresses are then reached directly. */
static int direct_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			      struct addrinfo **res)
{
	int rc = real()->getaddrinfo(node, service, hints, res);

	for (struct addrinfo *ai = rc == 0 ? *res : NULL; ai != NULL; ai = ai->ai_next)
		route_learn_direct(ai->ai_addr, ai->ai_addrlen);
	return rc;
}

/* A character of inet_aton's forms: digits, dots, 0x hex. */
static bool aton_char(char c)
{
	char lower = (char)(c | 0x20);

	return (c >= '0' && c <= '9') || c == '.' || lower == 'x' || (lower >= 'a' && lower <= 'f');
}

/*
 * glibc's numeric hosts are inet_aton's forms and IPv6 addresses (which
 * have a ':'): any other character, and no ':', makes a name.
 */
static bool surely_a_name(const char *node)
{
	const char *c = node;

	while (aton_char(*c))
		c++;
	return *c != '\0' && strchr(c, ':') == NULL;
}

/*
 * libc's answer when node is numeric (the check sends nothing), else
 * EAI_NONAME. Not asked when that is certain: a name, with hints the
 * builder takes (so valid ones, which libc would not refuse first).
 */
static int numeric_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			       const struct addrinfo_request *req, struct addrinfo **res)
{
	struct addrinfo numeric = *hints;

	if (req != NULL && surely_a_name(node))
		return EAI_NONAME;
	numeric.ai_flags |= AI_NUMERICHOST;
	return real()->getaddrinfo(node, service, &numeric, res);
}

int resolve_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			struct addrinfo **res)
{
	/* glibc's defaults for NULL hints. */
	struct addrinfo h = { .ai_family = AF_UNSPEC, .ai_flags = AI_V4MAPPED | AI_ADDRCONFIG };
	struct addrinfo_request built;
	const struct addrinfo_request *req;
	char name[256];
	size_t len;
	int rc;

	if (hints != NULL)
		h = *hints;
	/* AI_PASSIVE with a name is ignored by getaddrinfo (POSIX): socat sets it. */
	if (node == NULL || (h.ai_flags & AI_NUMERICHOST) ||
	    (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET && h.ai_family != AF_INET6))
		return real()->getaddrinfo(node, service, hints, res);
	req = addrinfo_request(&h, service, &built) ? &built : NULL;
	rc = numeric_getaddrinfo(node, service, &h, req, res);
	if (rc != EAI_NONAME)
		return rc;
	if (!name_normalize(node, name, &len)) {
		log_msg(LOG_DEBUG, "not a valid host name: \"%.64s\"", node);
		return EAI_NONAME;
	}
	const struct proxy *p = proxy_config();
	switch (name_source(&p->cfg, name)) {
	case SOURCE_HOSTS:
		return hosts_getaddrinfo(name, service, &h, req, res);
	case SOURCE_DIRECT:
		return direct_getaddrinfo(node, service, hints, res);
	default:
		return fake_getaddrinfo(p, name, len, service, &h, req, res);
	}
}

static int copy_host(char *host, socklen_t hostlen, const char *name)
{
	if (host == NULL || hostlen == 0)
		return 0;
	size_t len = strlen(name);

	if (len >= hostlen)
		return EAI_OVERFLOW;
	memcpy(host, name, len + 1);
	return 0;
}

/*
 * The name for an address: its placeholder's, or /etc/hosts'. Never a PTR
 * query, which would leak, even for direct addresses.
 */
static bool reverse_name(const struct sockaddr_storage *ss, char name[256], bool *placeholder)
{
	uint32_t slot;

	*placeholder = fakedns_in_range(ss, &slot);
	if (*placeholder)
		return fakedns_name(slot, name);
	return hosts_name_of(HOSTS_PATH, ss, name, 256);
}

int resolve_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
			char *serv, socklen_t servlen, int flags)
{
	const struct real_fns *r = real();
	struct sockaddr_storage ss;
	char name[256];
	bool placeholder;
	int rc;

	if (host == NULL || hostlen == 0 || (flags & NI_NUMERICHOST) || !addr_normalize(sa, salen, &ss))
		return r->getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	proxy_config(); /* the placeholder ranges come with the configuration */
	if (!reverse_name(&ss, name, &placeholder)) {
		/* Numeric rather than a PTR query, which would leak. */
		if (flags & NI_NAMEREQD)
			return EAI_NONAME;
		return r->getnameinfo(sa, salen, host, hostlen, serv, servlen, flags | NI_NUMERICHOST);
	}
	/* Only the service is libc's; NI_NAMEREQD is about the host, answered here. */
	rc = serv == NULL || servlen == 0
		     ? 0
		     : r->getnameinfo(sa, salen, NULL, 0, serv, servlen, (flags & ~NI_NAMEREQD) | NI_NUMERICHOST);
	return rc != 0 ? rc : copy_host(host, hostlen, name);
}

/*
 * Lays out a hostent with one name, no aliases and one address in the
 * caller's buffer: pointers first, for alignment.
 */
static int fill_hostent(const char *name, int af, const void *addr, struct hostent *ret, char *buf,
			size_t buflen, struct hostent **result, int *h_errnop)
{
	size_t alen = af == AF_INET6 ? 16 : 4, nlen = strlen(name) + 1;
	size_t need = 3 * sizeof(char *) + alen + nlen;
	uintptr_t pad = (sizeof(char *) - (uintptr_t)buf % sizeof(char *)) % sizeof(char *);

	*result = NULL;
	if (buflen < need + pad) {
		*h_errnop = NETDB_INTERNAL;
		return ERANGE;
	}
	char **ptrs = (char **)(void *)(buf + pad);
	char *bytes = (char *)(ptrs + 3);
	memcpy(bytes, addr, alen);
	memcpy(bytes + alen, name, nlen);
	ptrs[0] = bytes;
	ptrs[1] = NULL; /* end of h_addr_list */
	ptrs[2] = NULL; /* h_aliases: none */
	ret->h_name = bytes + alen;
	ret->h_aliases = &ptrs[2];
	ret->h_addrtype = af;
	ret->h_length = (int)alen;
	ret->h_addr_list = ptrs;
	*result = ret;
	*h_errnop = 0;
	return 0;
}

static int not_found(struct hostent **result, int *h_errnop)
{
	*result = NULL;
	*h_errnop = HOST_NOT_FOUND;
	return 0;
}

/* The first address of the family /etc/hosts gives (one, as the fake path). */
static int hosts_hostent(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			 struct hostent **result, int *h_errnop)
{
	struct sockaddr_storage addrs[16];
	size_t n = local_addrs(name, addrs, sizeof(addrs) / sizeof(addrs[0]));

	for (size_t i = 0; i < n; i++) {
		if (addrs[i].ss_family != af)
			continue;
		const void *a = af == AF_INET ? (const void *)&((struct sockaddr_in *)&addrs[i])->sin_addr
					      : (const void *)&((struct sockaddr_in6 *)&addrs[i])->sin6_addr;
		return fill_hostent(name, af, a, ret, buf, buflen, result, h_errnop);
	}
	return not_found(result, h_errnop);
}

/* The real resolver's answer, whose addresses are then reached directly. */
static int direct_hostent(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			  struct hostent **result, int *h_errnop)
{
	int rc = real()->gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);

	for (char **a = rc == 0 && *result ? (*result)->h_addr_list : NULL; a && *a; a++) {
		struct sockaddr_storage ss = { .ss_family = (sa_family_t)af };
		if (af == AF_INET)
			memcpy(&((struct sockaddr_in *)&ss)->sin_addr, *a, 4);
		else
			memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, *a, 16);
		route_learn_direct((struct sockaddr *)&ss, sizeof(ss));
	}
	return rc;
}

static bool is_numeric(const char *name)
{
	struct in6_addr a;

	return inet_pton(AF_INET, name, &a) == 1 || inet_pton(AF_INET6, name, &a) == 1 ||
	       inet_aton(name, (struct in_addr *)&a) != 0;
}

int resolve_gethostbyname(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			  struct hostent **result, int *h_errnop)
{
	char norm[256];
	size_t len;
	uint32_t slot;
	struct in6_addr addr;

	if (name == NULL || (af != AF_INET && af != AF_INET6) || is_numeric(name))
		return RESOLVE_NOT_OURS;
	if (!name_normalize(name, norm, &len)) {
		log_msg(LOG_DEBUG, "not a valid host name: \"%.64s\"", name);
		return not_found(result, h_errnop);
	}
	const struct proxy *p = proxy_config();
	switch (name_source(&p->cfg, norm)) {
	case SOURCE_HOSTS:
		return hosts_hostent(norm, af, ret, buf, buflen, result, h_errnop);
	case SOURCE_DIRECT:
		return direct_hostent(name, af, ret, buf, buflen, result, h_errnop);
	default:
		break;
	}
	if (af == AF_INET6 && !p->cfg.fake_ipv6)
		return not_found(result, h_errnop);
	if (fake_slot(norm, len, &slot) != 0) {
		*result = NULL;
		*h_errnop = TRY_AGAIN;
		return EAGAIN;
	}
	if (af == AF_INET6)
		fakedns_addr6(slot, &addr);
	else
		fakedns_addr4(slot, (struct in_addr *)&addr);
	return fill_hostent(norm, af, &addr, ret, buf, buflen, result, h_errnop);
}

int resolve_gethostbyaddr(const void *addr, socklen_t len, int type, struct hostent *ret,
			  char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	struct sockaddr_storage ss = { 0 };
	char name[256];
	bool placeholder;

	if (addr == NULL)
		return RESOLVE_NOT_OURS;
	if (type == AF_INET && len == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, addr, 4);
	} else if (type == AF_INET6 && len == 16) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		struct sockaddr_storage mapped;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, addr, 16);
		addr_normalize((struct sockaddr *)in6, sizeof(*in6), &mapped);
		ss = mapped;
	} else {
		return RESOLVE_NOT_OURS;
	}
	proxy_config(); /* the placeholder ranges come with the configuration */
	if (!reverse_name(&ss, name, &placeholder))
		return not_found(result, h_errnop);
	return fill_hostent(name, type, addr, ret, buf, buflen, result, h_errnop);
}
