#include "dns_answer.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>

#include "dns_upstream.h"
#include "dnsmsg.h"
#include "fakedns.h"
#include "log.h"
#include "proxy.h"
#include "resolve.h"

/* Short: a placeholder may be recycled once nothing holds it. */
#define FAKE_TTL 5

static enum dns_verdict reply_with(const uint8_t *q, const struct dns_query *query, int rcode,
				   const struct dns_answer *a, size_t n, uint8_t *reply, size_t cap,
				   size_t max_len, size_t *reply_len)
{
	int len = dns_build_reply(reply, cap, q, query, rcode, a, n, max_len);

	if (len < 0)
		return DNS_DROP;
	*reply_len = (size_t)len;
	return DNS_ANSWERED;
}

/* Without an upstream, what the table cannot answer is refused, said once. */
static int refuse(const struct dns_query *query)
{
	static atomic_bool logged;

	if (!atomic_exchange(&logged, true))
		log_msg(LOG_WARN, "DNS query for %s (type %u) refused: set dns_upstream to send what the "
				  "fake-DNS table cannot answer through the proxy",
			query->name, query->qtype);
	return DNS_RCODE_REFUSED;
}

static int answer_ptr(const struct dns_query *query, struct dns_answer *a, char target[DNS_NAME_MAX + 1])
{
	struct sockaddr_storage ss = { 0 };
	uint32_t slot;
	int family = dns_reverse_name_addr(query->name, a->addr);

	if (family == AF_INET) {
		ss.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, a->addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
		memcpy(&in6.sin6_addr, a->addr, 16);
		addr_normalize((struct sockaddr *)&in6, sizeof(in6), &ss);
	}
	if (family == 0 || !fakedns_in_range(&ss, &slot))
		return DNS_RCODE_REFUSED;
	if (!fakedns_name(slot, target))
		return DNS_RCODE_NXDOMAIN;
	a->type = DNS_TYPE_PTR;
	a->ttl = FAKE_TTL;
	a->target = target;
	return DNS_RCODE_NOERROR;
}

/* An rcode, or -1: NOERROR without an answer record. */
static int answer_address(const struct proxy *p, const struct dns_query *query, struct dns_answer *a)
{
	uint32_t slot;

	/* The table logs why it has no address to give. */
	if (fakedns_lookup(query->name, strlen(query->name), &slot) != FAKEDNS_OK)
		return DNS_RCODE_SERVFAIL;
	a->ttl = FAKE_TTL;
	if (query->qtype == DNS_TYPE_A) {
		a->type = DNS_TYPE_A;
		fakedns_addr4(slot, (struct in_addr *)a->addr);
		return DNS_RCODE_NOERROR;
	}
	if (!p->cfg.fake_ipv6)
		return -1; /* NOERROR without an answer */
	a->type = DNS_TYPE_AAAA;
	fakedns_addr6(slot, (struct in6_addr *)a->addr);
	return DNS_RCODE_NOERROR;
}

/* To dns_upstream through the proxy; SERVFAIL when that fails (logged there). */
static enum dns_verdict forward(const uint8_t *q, size_t len, const struct dns_query *query, uint8_t *reply,
				size_t cap, size_t max_len, size_t *reply_len)
{
	int n = dns_upstream_exchange(q, len, reply, cap);

	if (n >= 0)
		n = dns_check_reply(reply, (size_t)n, query, n == (int)cap ? cap - 1 : max_len);
	if (n < 0)
		return reply_with(q, query, DNS_RCODE_SERVFAIL, NULL, 0, reply, cap, max_len, reply_len);
	*reply_len = (size_t)n;
	return DNS_ANSWERED;
}

/* A query the table has no answer for: forwarded, or refused. */
static enum dns_verdict not_ours(const struct proxy *p, const uint8_t *q, size_t len, const struct dns_query *query,
				 uint8_t *reply, size_t cap, size_t max_len, size_t *reply_len)
{
	if (p->cfg.dns_upstream.ss_family != 0)
		return forward(q, len, query, reply, cap, max_len, reply_len);
	return reply_with(q, query, refuse(query), NULL, 0, reply, cap, max_len, reply_len);
}

enum dns_verdict dns_answer(const uint8_t *q, size_t len, uint8_t *reply, size_t cap, size_t max_len,
			    size_t *reply_len)
{
	struct dns_query query;
	struct dns_answer a;
	char target[DNS_NAME_MAX + 1];
	const struct proxy *p = proxy_config();
	int rcode;

	memset(&a, 0, sizeof(a));
	if (dns_parse_query(q, len, &query) < 0)
		return DNS_DROP;
	if (DNS_OPCODE(query.flags) != 0 || query.qclass != DNS_CLASS_IN)
		return reply_with(q, &query, DNS_RCODE_NOTIMP, NULL, 0, reply, cap, max_len, reply_len);
	if (query.qtype == DNS_TYPE_PTR) {
		rcode = answer_ptr(&query, &a, target);
		if (rcode == DNS_RCODE_REFUSED)
			return not_ours(p, q, len, &query, reply, cap, max_len, reply_len);
		return reply_with(q, &query, rcode, &a, rcode == DNS_RCODE_NOERROR, reply, cap, max_len,
				  reply_len);
	}
	if (name_source(&p->cfg, query.name) != SOURCE_FAKE)
		return DNS_PASS;
	if (query.qtype != DNS_TYPE_A && query.qtype != DNS_TYPE_AAAA)
		return not_ours(p, q, len, &query, reply, cap, max_len, reply_len);
	rcode = answer_address(p, &query, &a);
	if (rcode < 0)
		return reply_with(q, &query, DNS_RCODE_NOERROR, NULL, 0, reply, cap, max_len, reply_len);
	return reply_with(q, &query, rcode, &a, rcode == DNS_RCODE_NOERROR, reply, cap, max_len,
			  reply_len);
}

/* A query for name as res_mkquery would build it: ID 0, RD set. */
static int build_query(const char *name, int class, int type, uint8_t *out, size_t cap)
{
	int n;

	if (cap < DNS_HEADER_LEN + 4)
		return DNS_ERR_SPACE;
	memset(out, 0, DNS_HEADER_LEN);
	out[2] = DNS_FLAG_RD >> 8;
	out[5] = 1; /* QDCOUNT */
	n = dns_write_name(out + DNS_HEADER_LEN, cap - DNS_HEADER_LEN - 4, name);
	if (n < 0)
		return n;
	uint8_t *q = out + DNS_HEADER_LEN + n;
	q[0] = (uint8_t)(type >> 8);
	q[1] = (uint8_t)type;
	q[2] = (uint8_t)(class >> 8);
	q[3] = (uint8_t)class;
	return DNS_HEADER_LEN + n + 4;
}

/* res_query's contract: the answer's length, or -1 and h_errno. */
static int query_result(const uint8_t *reply, size_t len, int *h_err)
{
	int rcode = reply[3] & 0xf;
	int ancount = reply[6] << 8 | reply[7];

	if (rcode == DNS_RCODE_NOERROR && ancount > 0)
		return (int)len;
	*h_err = rcode == DNS_RCODE_NXDOMAIN ? HOST_NOT_FOUND
		 : rcode == DNS_RCODE_NOERROR	 ? NO_DATA
		 : rcode == DNS_RCODE_SERVFAIL	 ? TRY_AGAIN
						 : NO_RECOVERY;
	return -1;
}

int dns_answer_res_query(const char *name, int class, int type, uint8_t *answer, int anslen,
			 int *h_err)
{
	uint8_t query[DNS_HEADER_LEN + DNS_NAME_MAX + 2 + 4];
	uint8_t reply[DNS_MSG_MAX];
	size_t len;
	int qlen = build_query(name, class, type, query, sizeof(query));

	if (qlen < 0) {
		*h_err = NO_RECOVERY;
		return -1;
	}
	switch (dns_answer(query, (size_t)qlen, reply, sizeof(reply), anslen > 0 ? (size_t)anslen : 0, &len)) {
	case DNS_PASS:
		return DNS_ANSWER_PASS;
	case DNS_DROP:
		*h_err = NO_RECOVERY;
		return -1;
	default:
		break;
	}
	memcpy(answer, reply, len);
	return query_result(reply, len, h_err);
}

int dns_answer_res_send(const uint8_t *msg, int msglen, uint8_t *answer, int anslen)
{
	uint8_t reply[DNS_MSG_MAX];
	size_t len;

	if (msg == NULL || msglen <= 0 || answer == NULL || anslen <= 0)
		return DNS_ANSWER_PASS;
	switch (dns_answer(msg, (size_t)msglen, reply, sizeof(reply), (size_t)anslen, &len)) {
	case DNS_PASS:
		return DNS_ANSWER_PASS;
	case DNS_DROP:
		return -1;
	default:
		memcpy(answer, reply, len);
		return (int)len;
	}
}
