/*
 * Answers the DNS queries programs build themselves (the res_* family
 * now; queries sent to the resolv.conf nameservers later) from the same
 * fake-DNS table getaddrinfo uses, so both agree and nothing leaks.
 */
#ifndef SOCKSIFY_DNS_ANSWER_H
#define SOCKSIFY_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

enum dns_verdict {
	DNS_PASS,     /* not ours: the real nameserver answers (direct names) */
	DNS_ANSWERED, /* reply holds the answer */
	DNS_DROP,     /* malformed beyond a FORMERR: no answer at all */
};

/* max_len: the requester's limit (UDP size, or the caller's buffer). */
enum dns_verdict dns_answer(const uint8_t *query, size_t len, uint8_t *reply, size_t cap,
			    size_t max_len, size_t *reply_len);

#define DNS_ANSWER_PASS (-1000)

/*
 * res_query()'s contract for one name (the answer's length, or -1 and
 * *h_err), or DNS_ANSWER_PASS when the real resolver should answer. The
 * reply never exceeds anslen: what would not fit is left out, with TC.
 */
int dns_answer_res_query(const char *name, int class, int type, uint8_t *answer, int anslen,
			 int *h_err);

/* res_send()'s contract, or DNS_ANSWER_PASS. */
int dns_answer_res_send(const uint8_t *msg, int msglen, uint8_t *answer, int anslen);

#endif
