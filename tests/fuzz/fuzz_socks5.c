/*
 * libFuzzer harness for the SOCKS5 wire codec (include/socks5.h).
 *
 * Every decoder runs on the input as it stands. What a decoder accepts is
 * encoded again and must give the same bytes back (RSV bytes aside: the
 * decoders do not check them, the encoders write zeros), into a roomy
 * buffer and into exactly-sized heap buffers one byte short and just
 * long enough, so ASan sees any write past cap. socks5_reply_need drives
 * a reader that fetches exactly what it is told, from exactly-sized heap
 * copies: it must make progress, never ask for more than the decoded
 * message, agree with socks5_decode_reply once it has what it asked for,
 * and give the decoder's own error when it gives up; on every prefix of
 * the input it agrees with the decoder on the same bytes. The greeting and
 * RFC 1929 encoders also get lengths from the input, 0 and 256 included,
 * and refuse them or encode what decodes back the same. Every decoded
 * address, and one built raw from the input, goes through
 * socks5_addr_format, which must stay printable and NUL-terminated.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_socks5.c src/socks5/codec.c -o /tmp/fuzz_socks5
 *   /tmp/fuzz_socks5 -max_total_time=60 tests/fuzz/corpus/socks5
 */
#include "socks5.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* An exactly-sized heap copy of in[0..len): ASan sees one byte past it. */
static uint8_t *copy_of(const uint8_t *in, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert(p != NULL);
	if (len)
		memcpy(p, in, len);
	return p;
}

static void check_format(const struct socks5_addr *a)
{
	char out[SOCKS5_ADDR_STRLEN];
	size_t n;

	memset(out, 'X', sizeof(out));
	socks5_addr_format(a, out);
	n = strnlen(out, sizeof(out));
	assert(n < sizeof(out));
	for (size_t i = 0; i < n; i++)
		assert(out[i] >= ' ' && out[i] < 0x7f);
	if (a->atyp == SOCKS5_ATYP_DOMAIN)
		assert(n > a->name_len && out[a->name_len] == ':');
}

typedef int (*encode_fn)(uint8_t *out, size_t cap, const void *arg);

/*
 * Encodes into a roomy buffer, then into heap buffers of every cap around
 * the result's length: too small gives SOCKS5_ERR_SPACE, enough gives the
 * same bytes. Returns the length, or the encoder's error.
 */
static int encode_everywhere(encode_fn enc, const void *arg, uint8_t *out, size_t cap)
{
	int n = enc(out, cap, arg);

	if (n < 0)
		return n;
	assert((size_t)n <= cap);
	for (size_t c = 0; c <= (size_t)n + 1; c += c + 3 < (size_t)n ? (size_t)n - 2 - c : 1) {
		uint8_t *tight = malloc(c ? c : 1);
		int m = enc(tight, c, arg);
		if (c < (size_t)n)
			assert(m == SOCKS5_ERR_SPACE);
		else
			assert(m == n && memcmp(tight, out, (size_t)n) == 0);
		free(tight);
	}
	return n;
}

struct msg_arg {
	uint8_t code;
	const struct socks5_addr *addr;
};

static int enc_request(uint8_t *out, size_t cap, const void *arg)
{
	const struct msg_arg *m = arg;
	return socks5_encode_request(out, cap, m->code, m->addr);
}

static int enc_reply(uint8_t *out, size_t cap, const void *arg)
{
	const struct msg_arg *m = arg;
	return socks5_encode_reply(out, cap, m->code, m->addr);
}

static int enc_udp(uint8_t *out, size_t cap, const void *arg)
{
	const struct msg_arg *m = arg;
	return socks5_encode_udp_header(out, cap, m->code, m->addr);
}

struct greeting_arg {
	const uint8_t *methods;
	size_t n;
};

static int enc_greeting(uint8_t *out, size_t cap, const void *arg)
{
	const struct greeting_arg *g = arg;
	return socks5_encode_greeting(out, cap, g->methods, g->n);
}

struct auth_arg {
	const char *user, *pass;
	size_t user_len, pass_len;
};

static int enc_auth(uint8_t *out, size_t cap, const void *arg)
{
	const struct auth_arg *a = arg;
	return socks5_encode_auth(out, cap, a->user, a->user_len, a->pass, a->pass_len);
}

static int enc_method_choice(uint8_t *out, size_t cap, const void *arg)
{
	return socks5_encode_method_choice(out, cap, *(const uint8_t *)arg);
}

static int enc_auth_reply(uint8_t *out, size_t cap, const void *arg)
{
	return socks5_encode_auth_reply(out, cap, *(const uint8_t *)arg);
}

static void check_addr(const struct socks5_addr *a)
{
	assert(a->atyp == SOCKS5_ATYP_IPV4 || a->atyp == SOCKS5_ATYP_IPV6 ||
	       a->atyp == SOCKS5_ATYP_DOMAIN);
	if (a->atyp == SOCKS5_ATYP_DOMAIN)
		assert(a->name_len > 0 && a->u.name[a->name_len] == '\0');
	check_format(a);
}

/* Requests, replies and UDP headers: decode, re-encode, compare (RSV aside). */
static void fuzz_msg(const uint8_t *data, size_t size)
{
	static uint8_t out[SOCKS5_MAX_MSG + 8];
	struct socks5_addr a;
	struct msg_arg arg = { 0, &a };
	uint8_t want[SOCKS5_MAX_MSG];
	int n, m;

	n = socks5_decode_request(data, size, &arg.code, &a);
	assert(n < 0 || (n >= 8 && (size_t)n <= size && n <= SOCKS5_MAX_MSG));
	if (n > 0) {
		check_addr(&a);
		m = encode_everywhere(enc_request, &arg, out, sizeof(out));
		memcpy(want, data, (size_t)n);
		want[2] = 0;
		assert(m == n && memcmp(out, want, (size_t)n) == 0);
	}

	m = socks5_decode_reply(data, size, &arg.code, &a);
	assert(m == n); /* one layout */
	if (m > 0) {
		m = encode_everywhere(enc_reply, &arg, out, sizeof(out));
		assert(m == n && memcmp(out, want, (size_t)n) == 0);
	}

	n = socks5_decode_udp_header(data, size, &arg.code, &a);
	assert(n < 0 || (n >= 8 && (size_t)n <= size && n <= SOCKS5_MAX_MSG));
	if (n > 0) {
		check_addr(&a);
		m = encode_everywhere(enc_udp, &arg, out, sizeof(out));
		memcpy(want, data, (size_t)n);
		want[0] = want[1] = 0;
		assert(m == n && memcmp(out, want, (size_t)n) == 0);
	}
}

/*
 * A reader that fetches exactly what socks5_reply_need asks for, each
 * prefix in its own exactly-sized buffer.
 */
static void fuzz_reply_need(const uint8_t *data, size_t size)
{
	struct socks5_addr a;
	uint8_t rep;
	size_t have = 0;
	int whole, need, prev = 0;
	uint8_t *buf;

	whole = socks5_decode_reply(data, size, &rep, &a);
	for (;;) {
		buf = copy_of(data, have);
		need = socks5_reply_need(buf, have);
		if (need < 0) {
			/* Gives up only on what the decoder rejects, and the same way. */
			assert(socks5_decode_reply(buf, have, &rep, &a) == need);
			assert(whole == need);
			free(buf);
			return;
		}
		assert(need >= 4 && need <= SOCKS5_MAX_MSG);
		assert(need >= prev); /* a message never shrinks */
		if (whole > 0)
			assert(need <= whole); /* never reads past the reply */
		if ((size_t)need <= have) {
			assert((size_t)need == have); /* no byte more than asked */
			assert(socks5_decode_reply(buf, have, &rep, &a) == need);
			assert(whole == need);
			free(buf);
			return;
		}
		/* Still short: the decoder says so too. */
		assert(socks5_decode_reply(buf, have, &rep, &a) == SOCKS5_ERR_SHORT ||
		       (have == 0 && whole < 0));
		free(buf);
		if ((size_t)need > size) {
			/* The input ends first: a peer that closes here. */
			assert(whole == SOCKS5_ERR_SHORT || whole == SOCKS5_ERR_VERSION ||
			       whole == SOCKS5_ERR_ATYP || whole == SOCKS5_ERR_LENGTH);
			return;
		}
		prev = need;
		have = (size_t)need;
	}
}

static void fuzz_handshake(const uint8_t *data, size_t size)
{
	static uint8_t out[SOCKS5_MAX_AUTH + 8];
	uint8_t methods[255], method, status;
	char user[256], pass[256];
	size_t nm, ulen, plen;
	int n, m;

	n = socks5_decode_greeting(data, size, methods, &nm);
	assert(n < 0 || (nm >= 1 && nm <= 255 && (size_t)n == nm + 2 && (size_t)n <= size));
	if (n > 0) {
		struct greeting_arg g = { methods, nm };
		m = encode_everywhere(enc_greeting, &g, out, sizeof(out));
		assert(m == n && memcmp(out, data, (size_t)n) == 0);
	}

	n = socks5_decode_method_choice(data, size, &method);
	assert(n < 0 || n == 2);
	if (n > 0) {
		m = encode_everywhere(enc_method_choice, &method, out, sizeof(out));
		assert(m == 2 && memcmp(out, data, 2) == 0);
	}

	n = socks5_decode_auth(data, size, user, &ulen, pass, &plen);
	assert(n < 0 || (ulen >= 1 && ulen <= 255 && plen <= 255 &&
			 (size_t)n == 3 + ulen + plen && (size_t)n <= size && n <= SOCKS5_MAX_AUTH));
	if (n > 0) {
		struct auth_arg a = { user, pass, ulen, plen };
		assert(user[ulen] == '\0' && pass[plen] == '\0');
		m = encode_everywhere(enc_auth, &a, out, sizeof(out));
		assert(m == n && memcmp(out, data, (size_t)n) == 0);
	}

	n = socks5_decode_auth_reply(data, size, &status);
	assert(n < 0 || n == 2);
	if (n > 0) {
		m = encode_everywhere(enc_auth_reply, &status, out, sizeof(out));
		assert(m == 2 && memcmp(out, data, 2) == 0);
	}
}

/*
 * The encoders on an address taken raw from the input (any ATYP, any
 * name_len): each either refuses it or writes what the decoders read back.
 */
static void fuzz_encoders(const uint8_t *data, size_t size)
{
	static uint8_t out[SOCKS5_MAX_MSG + 8];
	struct socks5_addr a, back;
	struct msg_arg arg = { 0x01, &a };
	uint8_t code;
	int n;

	if (size < 4)
		return;
	memset(&a, 0, sizeof(a));
	a.atyp = data[0];
	a.name_len = data[1];
	a.port = (uint16_t)(data[2] << 8 | data[3]);
	memcpy(a.u.name, data + 4, size - 4 < sizeof(a.u.name) ? size - 4 : sizeof(a.u.name));
	check_format(&a);

	n = encode_everywhere(enc_request, &arg, out, sizeof(out));
	if (n < 0) {
		assert(n == SOCKS5_ERR_ATYP || n == SOCKS5_ERR_LENGTH);
		return;
	}
	assert(socks5_reply_need(out, (size_t)n) == n);
	assert(socks5_decode_request(out, (size_t)n, &code, &back) == n && code == 0x01);
	assert(back.atyp == a.atyp && back.port == a.port);
	if (a.atyp == SOCKS5_ATYP_DOMAIN)
		assert(back.name_len == a.name_len && memcmp(back.u.name, a.u.name, a.name_len) == 0);
	else
		assert(memcmp(back.u.ipv6, a.u.ipv6, a.atyp == SOCKS5_ATYP_IPV4 ? 4 : 16) == 0);

	arg.code = data[1];
	n = encode_everywhere(enc_udp, &arg, out, sizeof(out));
	assert(n > 0);
	assert(socks5_decode_udp_header(out, (size_t)n, &code, &back) == n && code == data[1]);
}

/*
 * The greeting and RFC 1929 encoders on lengths from the input, 0 and 256
 * included: refused out of range, else read back the same.
 */
static void fuzz_length_encoders(const uint8_t *data, size_t size)
{
	static uint8_t out[SOCKS5_MAX_AUTH + 8];
	static uint8_t bytes[512];
	uint8_t methods[255];
	char user[256], pass[256];
	size_t gn, ulen, plen, n2, n3;
	int n;

	if (size < 4)
		return;
	memset(bytes, 0, sizeof(bytes));
	memcpy(bytes, data + 4, size - 4 < sizeof(bytes) ? size - 4 : sizeof(bytes));

	gn = data[0] + (size_t)(data[3] & 1);
	struct greeting_arg g = { bytes, gn };
	n = encode_everywhere(enc_greeting, &g, out, sizeof(out));
	if (gn == 0 || gn > 255) {
		assert(n == SOCKS5_ERR_LENGTH);
	} else {
		assert(n == (int)gn + 2);
		assert(socks5_decode_greeting(out, (size_t)n, methods, &n2) == n && n2 == gn);
		assert(memcmp(methods, bytes, gn) == 0);
	}

	ulen = data[1] + (size_t)(data[3] >> 7);
	plen = data[2] + (size_t)(data[3] >> 6 & 1);
	struct auth_arg a = { (const char *)bytes, (const char *)bytes + 256, ulen, plen };
	n = encode_everywhere(enc_auth, &a, out, sizeof(out));
	if (ulen == 0 || ulen > 255 || plen > 255) {
		assert(n == SOCKS5_ERR_LENGTH);
	} else {
		assert(n == (int)(3 + ulen + plen));
		assert(socks5_decode_auth(out, (size_t)n, user, &n2, pass, &n3) == n);
		assert(n2 == ulen && n3 == plen);
		assert(memcmp(user, bytes, ulen) == 0 && memcmp(pass, bytes + 256, plen) == 0);
	}
}

/*
 * socks5_reply_need on every prefix of the input: it agrees with
 * socks5_decode_reply on the same bytes (an error is the same error, more
 * than there is means the decoder finds it short, at most what there is
 * means the decoder reads exactly that much), grows with the prefix, and
 * never exceeds the whole reply.
 */
static void fuzz_reply_need_prefixes(const uint8_t *data, size_t size)
{
	struct socks5_addr a;
	uint8_t rep;
	int whole = socks5_decode_reply(data, size, &rep, &a), prev = 0;

	for (size_t k = 0; k <= size && k <= SOCKS5_MAX_MSG; k++) {
		int need = socks5_reply_need(data, k);
		int got = socks5_decode_reply(data, k, &rep, &a);

		if (need < 0) {
			assert(got == need);
			continue;
		}
		assert(need >= prev);
		prev = need;
		if (whole > 0)
			assert(need <= whole);
		if ((size_t)need > k)
			assert(got == SOCKS5_ERR_SHORT);
		else
			assert(got == need);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4 * SOCKS5_MAX_AUTH)
		return 0;
	fuzz_msg(data, size);
	fuzz_reply_need(data, size);
	fuzz_handshake(data, size);
	fuzz_encoders(data, size);
	fuzz_length_encoders(data, size);
	fuzz_reply_need_prefixes(data, size);
	assert(strlen(socks5_strerror(-(int)(size % 7))) > 0);
	return 0;
}
