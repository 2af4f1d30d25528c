#include "dnsmsg.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/*
 * A name of at most 255 wire octets has at most 127 labels; a compressor
 * puts at least one label between two pointers (except for the owner that
 * is nothing but a pointer), so no real name needs more hops than this.
 */
#define DNS_MAX_HOPS 128
#define DNS_WIRE_NAME_MAX 255 /* RFC 1035 3.1: label octets and length octets */
#define DNS_LABEL_MAX 63
#define DNS_RR_FIXED 10       /* type, class, ttl, rdlength */
#define DNS_OPT_LEN 11        /* root name + DNS_RR_FIXED, no options */
#define DNS_EDNS_SIZE 1232    /* what we advertise: fits any path without fragments */
#define DNS_PTR_OWNER 0xc00c  /* a pointer to the question's name, right after the header */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)(v & 0xff);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)(v & 0xffff));
}

/* ASCII only: names are bytes, and the locale must not change them. */
static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/*
 * A '.' or NUL inside a label has no unescaped presentation form: "a.b" as
 * one label would read back as two, and NUL would cut the string short, so
 * either would make two different names look the same.
 */
static int append_label(const uint8_t *label, size_t n, char *out, size_t *pos)
{
	size_t i;

	if (*pos > 0)
		out[(*pos)++] = '.';
	for (i = 0; i < n; i++) {
		if (label[i] == '.' || label[i] == '\0')
			return DNS_ERR_NAME;
		out[(*pos)++] = lower(label[i]);
	}
	return 0;
}

/*
 * A pointer must point before the start of the stretch being read (the
 * name's start, or the last pointer's target): each jump then goes strictly
 * backwards from the previous one, which rules out loops of any length. A
 * pointer merely before itself would not: "\3abc" followed by a pointer to
 * it loops. The hop cap bounds the work on long but legal-looking chains.
 * No name starts inside the 12-byte header, so a pointer there is bad too;
 * this also keeps the question uncompressed (nothing else precedes it), so
 * a reply can echo its bytes behind a different header.
 */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, char out[DNS_NAME_MAX + 1])
{
	size_t pos = *off, next = 0, wire = 0, n = 0;
	size_t seg = pos; /* where the stretch being read began */
	int hops = 0, rc;

	for (;;) {
		if (pos >= len)
			return DNS_ERR_SHORT;
		uint8_t c = msg[pos];

		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return DNS_ERR_SHORT;
			size_t target = (size_t)(get16(msg + pos) & 0x3fff);

			if (target < DNS_HEADER_LEN || target >= seg || ++hops > DNS_MAX_HOPS)
				return DNS_ERR_NAME;
			if (next == 0)
				next = pos + 2;
			pos = seg = target;
			continue;
		}
		if (c & 0xc0) /* 0x40 and 0x80: extended and reserved label types */
			return DNS_ERR_NAME;
		wire += 1 + (size_t)c;
		if (wire > DNS_WIRE_NAME_MAX)
			return DNS_ERR_NAME;
		if (c == 0)
			break;
		if (len - pos - 1 < c)
			return DNS_ERR_SHORT;
		/* wire <= 255 here, and n + 1 + c == wire - 1, so out has room */
		rc = append_label(msg + pos + 1, c, out, &n);
		if (rc < 0)
			return rc;
		pos += 1 + (size_t)c;
	}
	out[n] = '\0';
	*off = next ? next : pos + 1;
	return 0;
}

/*
 * Wire length of a presentation name ("" or "." is the root; one final dot
 * is allowed, as res_query callers may pass "example.com.").
 */
static int name_wire_len(const char *name)
{
	size_t wire = 1, label = 0;
	const char *p;

	if (name == NULL)
		return DNS_ERR_NAME;
	if (strcmp(name, ".") == 0)
		return 1;
	for (p = name; *p; p++) {
		if (*p != '.') {
			if (++label > DNS_LABEL_MAX)
				return DNS_ERR_NAME;
			continue;
		}
		if (label == 0) /* ".a", "a..b" */
			return DNS_ERR_NAME;
		wire += 1 + label;
		label = 0;
	}
	if (label > 0)
		wire += 1 + label;
	if (wire > DNS_WIRE_NAME_MAX)
		return DNS_ERR_NAME;
	return (int)wire;
}

int dns_write_name(uint8_t *out, size_t cap, const char *name)
{
	int wire = name_wire_len(name);
	size_t pos = 0;
	const char *p = name;

	if (wire < 0)
		return wire;
	if (cap < (size_t)wire)
		return DNS_ERR_SPACE;
	while (*p && strcmp(p, ".") != 0) {
		size_t n = strcspn(p, ".");
		size_t i;

		out[pos++] = (uint8_t)n;
		for (i = 0; i < n; i++)
			out[pos++] = (uint8_t)lower((uint8_t)p[i]);
		p += n;
		if (*p == '.')
			p++;
	}
	out[pos] = 0;
	return wire;
}

struct rr {
	uint16_t type;
	uint16_t rclass;
	bool root_owner;
};

/* Steps over one resource record, keeping what OPT detection needs. */
static int skip_rr(const uint8_t *msg, size_t len, size_t *off, struct rr *rr)
{
	char owner[DNS_NAME_MAX + 1];
	int rc = dns_read_name(msg, len, off, owner);
	uint16_t rdlen;

	if (rc < 0)
		return rc;
	if (len - *off < DNS_RR_FIXED)
		return DNS_ERR_SHORT;
	rr->type = get16(msg + *off);
	rr->rclass = get16(msg + *off + 2);
	rr->root_owner = owner[0] == '\0';
	rdlen = get16(msg + *off + 8);
	*off += DNS_RR_FIXED;
	if (len - *off < rdlen)
		return DNS_ERR_SHORT;
	*off += rdlen;
	return 0;
}

/* RFC 6891 6.1.1: more than one OPT is a FORMERR. */
static int note_opt(const struct rr *rr, struct dns_query *q)
{
	if (rr->type != DNS_TYPE_OPT || !rr->root_owner)
		return 0;
	if (q->has_opt)
		return DNS_ERR_FORMAT;
	q->has_opt = true;
	q->udp_size = rr->rclass < DNS_UDP_DEFAULT ? DNS_UDP_DEFAULT : rr->rclass;
	return 0;
}

/* Answer, authority and additional; only the additional section holds OPT. */
static int walk_records(const uint8_t *msg, size_t len, size_t off, struct dns_query *q)
{
	unsigned long other = (unsigned long)get16(msg + 6) + get16(msg + 8);
	unsigned long total = other + get16(msg + 10);
	unsigned long i;
	struct rr rr;
	int rc;

	for (i = 0; i < total; i++) {
		rc = skip_rr(msg, len, &off, &rr);
		if (rc < 0)
			return rc;
		if (i < other)
			continue;
		rc = note_opt(&rr, q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *out)
{
	size_t off = DNS_HEADER_LEN;
	int rc;

	if (len < DNS_HEADER_LEN)
		return DNS_ERR_SHORT;
	memset(out, 0, sizeof(*out));
	out->id = get16(msg);
	out->flags = get16(msg + 2);
	if (out->flags & DNS_FLAG_QR) /* a reply is not a question to us */
		return DNS_ERR_FORMAT;
	if (get16(msg + 4) != 1)
		return DNS_ERR_FORMAT;
	rc = dns_read_name(msg, len, &off, out->name);
	if (rc < 0)
		return rc;
	if (len - off < 4)
		return DNS_ERR_SHORT;
	out->qtype = get16(msg + off);
	out->qclass = get16(msg + off + 2);
	out->question_end = off + 4;
	out->udp_size = DNS_UDP_DEFAULT;
	return walk_records(msg, len, out->question_end, out);
}

int dns_check_reply(uint8_t *msg, size_t len, const struct dns_query *query, size_t max_len)
{
	size_t off = DNS_HEADER_LEN;
	char name[DNS_NAME_MAX + 1];
	int rc;

	if (len < DNS_HEADER_LEN)
		return DNS_ERR_SHORT;
	if (get16(msg) != query->id || !(get16(msg + 2) & DNS_FLAG_QR) || get16(msg + 4) != 1)
		return DNS_ERR_FORMAT;
	rc = dns_read_name(msg, len, &off, name);
	if (rc < 0)
		return rc;
	if (len - off < 4)
		return DNS_ERR_SHORT;
	if (strcmp(name, query->name) != 0 || get16(msg + off) != query->qtype ||
	    get16(msg + off + 2) != query->qclass)
		return DNS_ERR_FORMAT;
	off += 4;
	if (len <= max_len)
		return (int)len;
	/* Too big for the requester: the question alone, with TC. */
	if (off > max_len)
		return DNS_ERR_SPACE;
	put16(msg + 2, get16(msg + 2) | DNS_FLAG_TC);
	memset(msg + 6, 0, 6);
	return (int)off;
}

/* Bytes the answer takes on the wire, or a dns_err for one we cannot write. */
static int answer_len(const struct dns_answer *a)
{
	int rdlen;

	switch (a->type) {
	case DNS_TYPE_A:
		rdlen = 4;
		break;
	case DNS_TYPE_AAAA:
		rdlen = 16;
		break;
	case DNS_TYPE_PTR:
		rdlen = name_wire_len(a->target);
		if (rdlen < 0)
			return rdlen;
		break;
	default:
		return DNS_ERR_FORMAT;
	}
	return 2 + DNS_RR_FIXED + rdlen;
}

/* Sum of the answers' lengths, saturating just above any message size. */
static int answers_len(const struct dns_answer *answers, size_t n, size_t *total)
{
	size_t i;

	*total = 0;
	for (i = 0; i < n; i++) {
		int rc = answer_len(&answers[i]);

		if (rc < 0)
			return rc;
		*total += (size_t)rc;
		if (*total > DNS_MSG_MAX)
			*total = DNS_MSG_MAX + 1;
	}
	return 0;
}

static size_t write_answer(uint8_t *out, const struct dns_answer *a)
{
	size_t rdlen = a->type == DNS_TYPE_A ? 4 : 16;

	put16(out, DNS_PTR_OWNER);
	put16(out + 2, a->type);
	put16(out + 4, DNS_CLASS_IN);
	put32(out + 6, a->ttl);
	if (a->type == DNS_TYPE_PTR)
		rdlen = (size_t)name_wire_len(a->target);
	put16(out + 10, (uint16_t)rdlen);
	if (a->type == DNS_TYPE_PTR)
		dns_write_name(out + 12, rdlen, a->target);
	else
		memcpy(out + 12, a->addr, rdlen);
	return 12 + rdlen;
}

static void write_opt(uint8_t *out)
{
	out[0] = 0; /* root owner */
	put16(out + 1, DNS_TYPE_OPT);
	put16(out + 3, DNS_EDNS_SIZE);
	put32(out + 5, 0); /* extended rcode 0, version 0, no DO */
	put16(out + 9, 0);
}

static void write_header(uint8_t *out, const struct dns_query *q, int rcode, size_t ancount,
			 bool tc, bool opt)
{
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_RA | (q->flags & DNS_FLAG_RD) |
			 (uint16_t)(DNS_OPCODE(q->flags) << 11) | (uint16_t)rcode;

	if (tc)
		flags |= DNS_FLAG_TC;
	put16(out, q->id);
	put16(out + 2, flags);
	put16(out + 4, 1);
	put16(out + 6, (uint16_t)ancount);
	put16(out + 8, 0);
	put16(out + 10, opt ? 1 : 0);
}

/*
 * Everything is measured before the first byte is written, so a reply that
 * does not fit leaves out untouched. A truncated reply longer than max_len
 * is refused too: the requester could not take it, and callers copy the
 * reply into a buffer of max_len bytes.
 */
int dns_build_reply(uint8_t *out, size_t cap, const uint8_t *msg, const struct dns_query *query,
		    int rcode, const struct dns_answer *answers, size_t nanswers, size_t max_len)
{
	size_t qlen, base, body, limit = max_len < DNS_MSG_MAX ? max_len : DNS_MSG_MAX;
	size_t pos, i;
	bool tc;
	int rc;

	if (rcode < 0 || rcode > 0xf) /* extended rcodes need OPT's upper bits */
		return DNS_ERR_FORMAT;
	if (query->question_end < DNS_HEADER_LEN + 5 || query->question_end > DNS_MSG_MAX)
		return DNS_ERR_FORMAT;
	rc = answers_len(answers, nanswers, &body);
	if (rc < 0)
		return rc;
	qlen = query->question_end - DNS_HEADER_LEN;
	base = DNS_HEADER_LEN + qlen + (query->has_opt ? DNS_OPT_LEN : 0);
	tc = base + body > limit;
	if (tc)
		body = 0;
	if (base + body > cap || base + body > limit)
		return DNS_ERR_SPACE;
	write_header(out, query, rcode, tc ? 0 : nanswers, tc, query->has_opt);
	memcpy(out + DNS_HEADER_LEN, msg + DNS_HEADER_LEN, qlen);
	pos = DNS_HEADER_LEN + qlen;
	for (i = 0; !tc && i < nanswers; i++)
		pos += write_answer(out + pos, &answers[i]);
	if (query->has_opt) {
		write_opt(out + pos);
		pos += DNS_OPT_LEN;
	}
	return (int)pos;
}

/* "0" to "255", no sign, no leading zero, nothing after. */
static int decimal_octet(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v > 255 ? -1 : (int)v;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower((uint8_t)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int reverse_v4(const char *name, uint8_t addr[16])
{
	const char *p = name;
	int i;

	for (i = 3; i >= 0; i--) {
		size_t n = strcspn(p, ".");
		int v = decimal_octet(p, n);

		if (v < 0 || p[n] != '.')
			return 0;
		addr[i] = (uint8_t)v;
		p += n + 1;
	}
	return strcasecmp(p, "in-addr.arpa") == 0 ? AF_INET : 0;
}

static int reverse_v6(const char *name, uint8_t addr[16])
{
	const char *p = name;
	int i;

	for (i = 31; i >= 0; i--, p += 2) {
		int v = hex_nibble(p[0]);

		if (v < 0 || p[1] != '.')
			return 0;
		if (i % 2)
			addr[i / 2] = (uint8_t)v;
		else
			addr[i / 2] |= (uint8_t)(v << 4);
	}
	return strcasecmp(p, "ip6.arpa") == 0 ? AF_INET6 : 0;
}

/* Work on a copy so a name that turns out not to match leaves addr alone. */
int dns_reverse_name_addr(const char *name, uint8_t addr[16])
{
	uint8_t tmp[16] = { 0 };
	int family = reverse_v4(name, tmp);

	if (family == 0)
		family = reverse_v6(name, tmp);
	if (family != 0)
		memcpy(addr, tmp, family == AF_INET ? 4 : 16);
	return family;
}

static size_t put_decimal(char *out, uint8_t v)
{
	size_t n = 0;

	if (v >= 100)
		out[n++] = (char)('0' + v / 100);
	if (v >= 10)
		out[n++] = (char)('0' + v / 10 % 10);
	out[n++] = (char)('0' + v % 10);
	return n;
}

/* At most 29 or 73 bytes, far below DNS_NAME_MAX. */
int dns_addr_reverse_name(int family, const uint8_t *addr, char out[DNS_NAME_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;
	int i;

	if (family == AF_INET) {
		for (i = 3; i >= 0; i--) {
			pos += put_decimal(out + pos, addr[i]);
			out[pos++] = '.';
		}
		memcpy(out + pos, "in-addr.arpa", sizeof("in-addr.arpa"));
		return 0;
	}
	if (family != AF_INET6)
		return DNS_ERR_FORMAT;
	for (i = 15; i >= 0; i--) {
		out[pos++] = hex[addr[i] & 0xf];
		out[pos++] = '.';
		out[pos++] = hex[addr[i] >> 4];
		out[pos++] = '.';
	}
	memcpy(out + pos, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

const char *dns_strerror(int err)
{
	switch (err) {
	case DNS_ERR_SHORT:
		return "message cut short";
	case DNS_ERR_NAME:
		return "malformed name";
	case DNS_ERR_FORMAT:
		return "counts or sections do not add up";
	case DNS_ERR_SPACE:
		return "message too long for its buffer";
	default:
		return "unknown codec error";
	}
}
