/*
 * DNS message codec (RFC 1035, EDNS0 from RFC 6891): bytes <-> structs,
 * no I/O, so every branch can be unit-tested and fuzzed. Enough to answer
 * a program's own queries (one question; A, AAAA and PTR answers) and to
 * tell what a query or a reply is.
 */
#ifndef SOCKSIFY_DNSMSG_H
#define SOCKSIFY_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255        /* presentation form, without the final dot */
#define DNS_UDP_DEFAULT 512     /* a query without EDNS0 */
#define DNS_MSG_MAX 65535

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_HTTPS = 65,
	DNS_TYPE_ANY = 255,
};

#define DNS_CLASS_IN 1

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

/* Header flag bits (the second 16-bit word). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)

enum dns_err {
	DNS_ERR_SHORT = -1,   /* input ends inside the message */
	DNS_ERR_NAME = -2,    /* bad label length, name too long, pointer loop or forward pointer */
	DNS_ERR_FORMAT = -3,  /* counts or sections that do not add up */
	DNS_ERR_SPACE = -4,   /* output buffer too small */
};

struct dns_query {
	uint16_t id;
	uint16_t flags;
	char name[DNS_NAME_MAX + 1]; /* lowercase presentation form, no final dot; "" for the root */
	uint16_t qtype;
	uint16_t qclass;
	bool has_opt;                /* an EDNS0 OPT record in the additional section */
	uint16_t udp_size;           /* the requester's UDP size: OPT's, else 512 */
	size_t question_end;         /* offset just past the question, for echoing it */
};

/*
 * Parses a query: header, exactly one question, and an optional OPT record
 * (other records in answer/authority/additional are skipped if well formed).
 * Returns 0 or a negative dns_err.
 */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *out);

/*
 * Reads the (possibly compressed) name at *off into out (lowercase,
 * presentation form without the final dot); *off moves past it in the
 * message. Returns 0 or DNS_ERR_SHORT / DNS_ERR_NAME.
 */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, char out[DNS_NAME_MAX + 1]);

/* Writes name (presentation form) uncompressed. Returns its length or a dns_err. */
int dns_write_name(uint8_t *out, size_t cap, const char *name);

/* One answer record for the question's name. */
struct dns_answer {
	uint16_t type;          /* DNS_TYPE_A, DNS_TYPE_AAAA or DNS_TYPE_PTR */
	uint32_t ttl;
	uint8_t addr[16];       /* A: 4 bytes, AAAA: 16 */
	const char *target;     /* PTR: the name it points to */
};

/*
 * A reply to query (the question echoed from the original bytes `msg`):
 * same ID, QR and RA set, RD copied, rcode, the answers (owner: a
 * compression pointer to the question's name), an OPT record when the
 * query had one. When the reply would exceed the requester's UDP size
 * (max_len), answers are left out and TC is set. Returns the length or a
 * negative dns_err.
 */
int dns_build_reply(uint8_t *out, size_t cap, const uint8_t *msg, const struct dns_query *query,
		    int rcode, const struct dns_answer *answers, size_t nanswers, size_t max_len);

/*
 * Checks that msg (in place, writable) is a reply to query: same ID, QR
 * set, the same single question. A reply longer than max_len is cut to
 * its header and question with TC set. Returns the length to deliver or
 * a negative dns_err.
 */
int dns_check_reply(uint8_t *msg, size_t len, const struct dns_query *query, size_t max_len);

/*
 * The name a PTR query asks about, as an address: "4.3.2.1.in-addr.arpa"
 * gives AF_INET 1.2.3.4; the 32-nibble ip6.arpa form gives AF_INET6.
 * Returns the family, or 0 when the name is not a full reverse name.
 */
int dns_reverse_name_addr(const char *name, uint8_t addr[16]);

/* The reverse name of an address (for building PTR queries in tests). */
int dns_addr_reverse_name(int family, const uint8_t *addr, char out[DNS_NAME_MAX + 1]);

const char *dns_strerror(int err);

#endif
