/*
 * Unit tests for the SOCKS5 wire codec (RFC 1928, RFC 1929).
 *
 * Expected bytes are written out by hand here (the 255-byte fields are laid
 * out by small loops in this file); none come from the encoder under test.
 * Decoders always read exactly-sized heap copies of their input, so valgrind
 * or AddressSanitizer catches any read past len; encoders write into buffers
 * followed by canary bytes, so any write past cap is caught too.
 *
 * Most tests are table-driven: every valid message of every kind lives in
 * cases[], and the generic tests (encode, decode, round trip, trailing bytes,
 * truncation at each byte, too-small output buffers, wrong version) run as
 * Check loop tests over the range of cases a TCase owns.
 */
#include "socks5.h"
#include "wire.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD 16
#define MAX_WIRE SOCKS5_MAX_AUTH /* the longest message of any kind */
#define MAX_CASES 64

_Static_assert(SOCKS5_MAX_AUTH >= SOCKS5_MAX_MSG, "MAX_WIRE must hold every message");

/* ---------------------------------------------------------------- helpers */

static int need_copy(const uint8_t *in, size_t len)
{
	uint8_t *copy = dup_exact(in, len);
	int rc = socks5_reply_need(copy, len);

	free(copy);
	return rc;
}

static void assert_addr_eq(const struct socks5_addr *got, const struct socks5_addr *want,
			   const char *what)
{
	ck_assert_msg(got->atyp == want->atyp, "%s: atyp %u", what, got->atyp);
	ck_assert_msg(got->port == want->port, "%s: port %u, want %u", what, got->port, want->port);
	switch (want->atyp) {
	case SOCKS5_ATYP_IPV4:
		assert_bytes_eq(got->u.ipv4, want->u.ipv4, 4, what);
		break;
	case SOCKS5_ATYP_IPV6:
		assert_bytes_eq(got->u.ipv6, want->u.ipv6, 16, what);
		break;
	default:
		ck_assert_msg(got->name_len == want->name_len, "%s: name_len %u", what, got->name_len);
		assert_bytes_eq((const uint8_t *)got->u.name, (const uint8_t *)want->u.name,
				want->name_len, what);
		ck_assert_msg(got->u.name[got->name_len] == '\0', "%s: name not NUL-terminated", what);
	}
}

/* ------------------------------------------------------ the message table */

struct msg_case;

struct msg_kind {
	const char *name;
	int version; /* expected VER byte, or -1 (UDP header has none) */
	int (*encode)(const struct msg_case *c, uint8_t *out, size_t cap);
	/* Decodes in[0..len) and, when it returns c->len, checks the fields. */
	int (*decode)(const struct msg_case *c, const uint8_t *in, size_t len);
	/* Request, reply and UDP header: codec pair and fixed 3-byte header. */
	int (*addr_encode)(uint8_t *, size_t, uint8_t, const struct socks5_addr *);
	int (*addr_decode)(const uint8_t *, size_t, uint8_t *, struct socks5_addr *);
	uint8_t hdr[3];
	size_t code_pos; /* where CMD, REP or FRAG goes in hdr */
};

struct msg_case {
	char what[96];
	const struct msg_kind *kind;
	uint8_t wire[MAX_WIRE];
	size_t len;
	union {
		struct {
			uint8_t methods[255];
			size_t n;
		} greeting;
		uint8_t byte; /* method choice, auth status */
		struct {
			char user[255], pass[255];
			size_t ulen, plen;
		} auth;
		struct {
			uint8_t code; /* CMD, REP or FRAG */
			struct socks5_addr addr;
		} am;
	} f;
};

struct range {
	int first, end;
};

static struct msg_case cases[MAX_CASES];
static int n_cases;

static int enc_greeting(const struct msg_case *c, uint8_t *out, size_t cap)
{
	return socks5_encode_greeting(out, cap, c->f.greeting.methods, c->f.greeting.n);
}

static int dec_greeting(const struct msg_case *c, const uint8_t *in, size_t len)
{
	uint8_t methods[255];
	size_t n = 0;
	int rc = socks5_decode_greeting(in, len, methods, &n);

	if (rc == (int)c->len) {
		ck_assert_uint_eq(n, c->f.greeting.n);
		assert_bytes_eq(methods, c->f.greeting.methods, n, c->what);
	}
	return rc;
}

static int enc_choice(const struct msg_case *c, uint8_t *out, size_t cap)
{
	return socks5_encode_method_choice(out, cap, c->f.byte);
}

static int dec_choice(const struct msg_case *c, const uint8_t *in, size_t len)
{
	uint8_t method = 0x5a;
	int rc = socks5_decode_method_choice(in, len, &method);

	if (rc == (int)c->len)
		ck_assert_uint_eq(method, c->f.byte);
	return rc;
}

static int enc_auth(const struct msg_case *c, uint8_t *out, size_t cap)
{
	return socks5_encode_auth(out, cap, c->f.auth.user, c->f.auth.ulen, c->f.auth.pass,
				  c->f.auth.plen);
}

static int dec_auth(const struct msg_case *c, const uint8_t *in, size_t len)
{
	char user[256], pass[256];
	size_t ulen = 0, plen = 0;
	int rc;

	memset(user, 'X', sizeof(user));
	memset(pass, 'X', sizeof(pass));
	rc = socks5_decode_auth(in, len, user, &ulen, pass, &plen);
	if (rc == (int)c->len) {
		ck_assert_uint_eq(ulen, c->f.auth.ulen);
		ck_assert_uint_eq(plen, c->f.auth.plen);
		assert_bytes_eq((uint8_t *)user, (const uint8_t *)c->f.auth.user, ulen, c->what);
		assert_bytes_eq((uint8_t *)pass, (const uint8_t *)c->f.auth.pass, plen, c->what);
		ck_assert_msg(user[ulen] == '\0' && pass[plen] == '\0', "%s: not NUL-terminated",
			      c->what);
	}
	return rc;
}

static int enc_auth_reply(const struct msg_case *c, uint8_t *out, size_t cap)
{
	return socks5_encode_auth_reply(out, cap, c->f.byte);
}

static int dec_auth_reply(const struct msg_case *c, const uint8_t *in, size_t len)
{
	uint8_t status = 0x5a;
	int rc = socks5_decode_auth_reply(in, len, &status);

	if (rc == (int)c->len)
		ck_assert_uint_eq(status, c->f.byte);
	return rc;
}

static int enc_addr_msg(const struct msg_case *c, uint8_t *out, size_t cap)
{
	return c->kind->addr_encode(out, cap, c->f.am.code, &c->f.am.addr);
}

static int dec_addr_msg(const struct msg_case *c, const uint8_t *in, size_t len)
{
	struct socks5_addr addr;
	uint8_t code = 0x5a;
	int rc;

	memset(&addr, 'X', sizeof(addr)); /* so a missing NUL shows */
	rc = c->kind->addr_decode(in, len, &code, &addr);
	if (rc == (int)c->len) {
		ck_assert_uint_eq(code, c->f.am.code);
		assert_addr_eq(&addr, &c->f.am.addr, c->what);
	}
	return rc;
}

static const struct msg_kind greeting_kind = {
	.name = "greeting", .version = SOCKS5_VERSION,
	.encode = enc_greeting, .decode = dec_greeting,
};
static const struct msg_kind choice_kind = {
	.name = "method choice", .version = SOCKS5_VERSION,
	.encode = enc_choice, .decode = dec_choice,
};
static const struct msg_kind auth_kind = {
	.name = "auth", .version = SOCKS5_AUTH_VERSION,
	.encode = enc_auth, .decode = dec_auth,
};
static const struct msg_kind auth_reply_kind = {
	.name = "auth reply", .version = SOCKS5_AUTH_VERSION,
	.encode = enc_auth_reply, .decode = dec_auth_reply,
};
static const struct msg_kind request_kind = {
	.name = "request", .version = SOCKS5_VERSION,
	.encode = enc_addr_msg, .decode = dec_addr_msg,
	.addr_encode = socks5_encode_request, .addr_decode = socks5_decode_request,
	.hdr = { 0x05, 0x00, 0x00 }, .code_pos = 1,
};
static const struct msg_kind reply_kind = {
	.name = "reply", .version = SOCKS5_VERSION,
	.encode = enc_addr_msg, .decode = dec_addr_msg,
	.addr_encode = socks5_encode_reply, .addr_decode = socks5_decode_reply,
	.hdr = { 0x05, 0x00, 0x00 }, .code_pos = 1,
};
static const struct msg_kind udp_kind = {
	.name = "udp header", .version = -1,
	.encode = enc_addr_msg, .decode = dec_addr_msg,
	.addr_encode = socks5_encode_udp_header, .addr_decode = socks5_decode_udp_header,
	.hdr = { 0x00, 0x00, 0x00 }, .code_pos = 2,
};
static const struct msg_kind *const addr_kinds[] = { &request_kind, &reply_kind, &udp_kind };

/* Called from main(), outside any test, so it cannot use ck_assert. */
static struct msg_case *new_case(const struct msg_kind *kind, const char *what,
				 const uint8_t *wire, size_t len)
{
	struct msg_case *c;

	if (n_cases == MAX_CASES || len > MAX_WIRE) {
		fprintf(stderr, "test table overflow at %s %s\n", kind->name, what);
		exit(EXIT_FAILURE);
	}
	c = &cases[n_cases++];
	snprintf(c->what, sizeof(c->what), "%s %s", kind->name, what);
	c->kind = kind;
	memcpy(c->wire, wire, len);
	c->len = len;
	return c;
}

/* ------------------------------------------------------------ the cases */

static void add_greeting(const char *what, const uint8_t *methods, size_t n,
			 const uint8_t *wire, size_t len)
{
	struct msg_case *c = new_case(&greeting_kind, what, wire, len);

	memcpy(c->f.greeting.methods, methods, n);
	c->f.greeting.n = n;
}

static void build_greeting_cases(void)
{
	static const uint8_t one[] = { 0x05, 0x01, 0x00 };
	static const uint8_t two[] = { 0x05, 0x02, 0x00, 0x02 };
	static const uint8_t three[] = { 0x05, 0x03, 0x00, 0x01, 0x02 };
	uint8_t methods[255], wire[2 + 255];
	size_t i;

	add_greeting("NONE", (const uint8_t[]){ 0x00 }, 1, one, sizeof(one));
	add_greeting("NONE USERPASS", (const uint8_t[]){ 0x00, 0x02 }, 2, two, sizeof(two));
	add_greeting("NONE GSSAPI USERPASS", (const uint8_t[]){ 0x00, 0x01, 0x02 }, 3, three,
		     sizeof(three));
	wire[0] = 0x05;
	wire[1] = 0xff;
	for (i = 0; i < 255; i++)
		methods[i] = wire[2 + i] = (uint8_t)i;
	add_greeting("255 methods", methods, 255, wire, sizeof(wire));
}

static void add_byte_case(const struct msg_kind *kind, const char *what, uint8_t byte,
			  const uint8_t *wire)
{
	new_case(kind, what, wire, 2)->f.byte = byte;
}

static void build_choice_cases(void)
{
	add_byte_case(&choice_kind, "NONE", 0x00, (const uint8_t[]){ 0x05, 0x00 });
	add_byte_case(&choice_kind, "GSSAPI", 0x01, (const uint8_t[]){ 0x05, 0x01 });
	add_byte_case(&choice_kind, "USERPASS", 0x02, (const uint8_t[]){ 0x05, 0x02 });
	add_byte_case(&choice_kind, "REJECT", 0xff, (const uint8_t[]){ 0x05, 0xff });
}

static void build_auth_reply_cases(void)
{
	add_byte_case(&auth_reply_kind, "success", 0x00, (const uint8_t[]){ 0x01, 0x00 });
	add_byte_case(&auth_reply_kind, "failure", 0x01, (const uint8_t[]){ 0x01, 0x01 });
	add_byte_case(&auth_reply_kind, "failure 0xff", 0xff, (const uint8_t[]){ 0x01, 0xff });
}

static void add_auth(const char *what, const char *user, size_t ulen, const char *pass,
		     size_t plen, const uint8_t *wire, size_t len)
{
	struct msg_case *c = new_case(&auth_kind, what, wire, len);

	memcpy(c->f.auth.user, user, ulen);
	memcpy(c->f.auth.pass, pass, plen);
	c->f.auth.ulen = ulen;
	c->f.auth.plen = plen;
}

/* VER ULEN 'u'* PLEN 'p'*, laid out by hand. */
static void add_long_auth(size_t ulen, size_t plen)
{
	uint8_t wire[SOCKS5_MAX_AUTH];
	char user[255], pass[255], what[48];

	memset(user, 'u', ulen);
	memset(pass, 'p', plen);
	wire[0] = 0x01;
	wire[1] = (uint8_t)ulen;
	memset(wire + 2, 'u', ulen);
	wire[2 + ulen] = (uint8_t)plen;
	memset(wire + 3 + ulen, 'p', plen);
	snprintf(what, sizeof(what), "user %zu bytes, password %zu bytes", ulen, plen);
	add_auth(what, user, ulen, pass, plen, wire, 3 + ulen + plen);
}

static void build_auth_cases(void)
{
	static const uint8_t up[] = { 0x01, 0x01, 'u', 0x01, 'p' };
	static const uint8_t alice[] = { 0x01, 0x05, 'a', 'l', 'i', 'c', 'e',
					 0x06, 's', 'e', 'c', 'r', 'e', 't' };
	static const uint8_t nopass[] = { 0x01, 0x03, 'b', 'o', 'b', 0x00 };

	add_auth("u/p", "u", 1, "p", 1, up, sizeof(up));
	add_auth("alice/secret", "alice", 5, "secret", 6, alice, sizeof(alice));
	add_auth("bob, empty password", "bob", 3, "", 0, nopass, sizeof(nopass));
	add_long_auth(255, 255);
	add_long_auth(255, 0);
	add_long_auth(1, 255);
}

struct addr_case {
	const char *what;
	struct socks5_addr addr;
	const uint8_t *wire; /* ATYP ADDR PORT */
	size_t len;
};

static const struct addr_case addr_cases[] = {
	{ "127.0.0.1:1080",
	  .addr = { .atyp = SOCKS5_ATYP_IPV4, .port = 1080, .u.ipv4 = { 127, 0, 0, 1 } },
	  WIRE(0x01, 127, 0, 0, 1, 0x04, 0x38) },
	{ "203.0.113.3:0",
	  .addr = { .atyp = SOCKS5_ATYP_IPV4, .port = 0, .u.ipv4 = { 203, 0, 113, 3 } },
	  WIRE(0x01, 203, 0, 113, 3, 0x00, 0x00) },
	{ "198.51.100.1:65535",
	  .addr = { .atyp = SOCKS5_ATYP_IPV4, .port = 65535, .u.ipv4 = { 198, 51, 100, 1 } },
	  WIRE(0x01, 198, 51, 100, 1, 0xff, 0xff) },
	{ "[2001:db8::1]:1080",
	  .addr = { .atyp = SOCKS5_ATYP_IPV6, .port = 1080,
		    .u.ipv6 = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 } },
	  WIRE(0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x04, 0x38) },
	{ "[::]:0",
	  .addr = { .atyp = SOCKS5_ATYP_IPV6, .port = 0 },
	  WIRE(0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00) },
	{ "[ff02::fb]:65535",
	  .addr = { .atyp = SOCKS5_ATYP_IPV6, .port = 65535,
		    .u.ipv6 = { 0xff, 0x02, [15] = 0xfb } },
	  WIRE(0x04, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb, 0xff, 0xff) },
	{ "x:1 (1-byte name)",
	  .addr = { .atyp = SOCKS5_ATYP_DOMAIN, .name_len = 1, .port = 1, .u.name = "x" },
	  WIRE(0x03, 0x01, 'x', 0x00, 0x01) },
	{ "example.com:443",
	  .addr = { .atyp = SOCKS5_ATYP_DOMAIN, .name_len = 11, .port = 443,
		    .u.name = "example.com" },
	  WIRE(0x03, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0x01, 0xbb) },
};

/* 255 times 'a', port 1080: the longest address there is. */
static const struct addr_case *long_domain_case(void)
{
	static uint8_t wire[1 + 1 + 255 + 2];
	static struct addr_case c = { "a*255:1080 (255-byte name)", .wire = wire,
				      .len = sizeof(wire) };

	c.addr.atyp = SOCKS5_ATYP_DOMAIN;
	c.addr.name_len = 255;
	c.addr.port = 1080;
	memset(c.addr.u.name, 'a', 255);
	wire[0] = 0x03;
	wire[1] = 0xff;
	memset(wire + 2, 'a', 255);
	wire[257] = 0x04;
	wire[258] = 0x38;
	return &c;
}

static void add_addr_msg(const struct msg_kind *kind, uint8_t code, const struct addr_case *a)
{
	uint8_t wire[MAX_WIRE];
	char what[64];
	struct msg_case *c;

	memcpy(wire, kind->hdr, 3);
	wire[kind->code_pos] = code;
	memcpy(wire + 3, a->wire, a->len);
	snprintf(what, sizeof(what), "code 0x%02x %s", code, a->what);
	c = new_case(kind, what, wire, 3 + a->len);
	c->f.am.code = code;
	c->f.am.addr = a->addr;
}

/* Every address once, with the codes taken in turn. */
static void add_addr_msgs(const struct msg_kind *kind, const uint8_t *codes, size_t ncodes)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(addr_cases); i++)
		add_addr_msg(kind, codes[i % ncodes], &addr_cases[i]);
	add_addr_msg(kind, codes[i % ncodes], long_domain_case());
}

static void build_request_cases(void)
{
	static const uint8_t cmds[] = { SOCKS5_CMD_CONNECT, SOCKS5_CMD_BIND,
					SOCKS5_CMD_UDP_ASSOCIATE };

	add_addr_msgs(&request_kind, cmds, ARRAY_LEN(cmds));
}

static void build_reply_cases(void)
{
	/* 0x09 and 0xff are not in RFC 1928: the codec passes them through. */
	static const uint8_t reps[] = { 0x00, 0x01, 0x05, 0x08, 0x09, 0xff };

	add_addr_msgs(&reply_kind, reps, ARRAY_LEN(reps));
}

static void build_udp_cases(void)
{
	static const uint8_t frags[] = { 0x00, 0x01 };

	add_addr_msgs(&udp_kind, frags, ARRAY_LEN(frags));
}

static struct range greeting_cases, choice_cases, auth_cases, auth_reply_cases, request_cases,
	reply_cases, udp_cases;

static struct range build(void (*add)(void))
{
	struct range r = { .first = n_cases };

	add();
	r.end = n_cases;
	return r;
}

static void build_cases(void)
{
	greeting_cases = build(build_greeting_cases);
	choice_cases = build(build_choice_cases);
	auth_cases = build(build_auth_cases);
	auth_reply_cases = build(build_auth_reply_cases);
	request_cases = build(build_request_cases);
	reply_cases = build(build_reply_cases);
	udp_cases = build(build_udp_cases);
}

/* ------------------------------------------ generic tests over cases[] */

static int decode_copy(const struct msg_case *c, const uint8_t *in, size_t len)
{
	uint8_t *copy = dup_exact(in, len);
	int rc = c->kind->decode(c, copy, len);

	free(copy);
	return rc;
}

START_TEST(test_encode)
{
	const struct msg_case *c = &cases[_i];
	uint8_t *exact = malloc(c->len);
	uint8_t roomy[MAX_WIRE + GUARD];
	int rc;

	ck_assert_ptr_nonnull(exact);
	rc = c->kind->encode(c, exact, c->len);
	ck_assert_msg(rc == (int)c->len, "%s: encoded %d bytes, want %zu", c->what, rc, c->len);
	assert_bytes_eq(exact, c->wire, c->len, c->what);
	free(exact);

	memset(roomy, CANARY, sizeof(roomy));
	rc = c->kind->encode(c, roomy, sizeof(roomy));
	ck_assert_msg(rc == (int)c->len, "%s: encoded %d bytes in a big buffer", c->what, rc);
	assert_untouched(roomy + c->len, sizeof(roomy) - c->len, c->what);
}
END_TEST

START_TEST(test_decode)
{
	const struct msg_case *c = &cases[_i];
	int rc = decode_copy(c, c->wire, c->len);

	ck_assert_msg(rc == (int)c->len, "%s: decoded %d bytes, want %zu", c->what, rc, c->len);
}
END_TEST

START_TEST(test_roundtrip)
{
	const struct msg_case *c = &cases[_i];
	uint8_t buf[MAX_WIRE];
	int n = c->kind->encode(c, buf, sizeof(buf));

	ck_assert_msg(n == (int)c->len, "%s: encoded %d bytes", c->what, n);
	ck_assert_int_eq(decode_copy(c, buf, (size_t)n), n);
}
END_TEST

/* Decoders consume one message and leave what follows it alone. */
START_TEST(test_trailing_ignored)
{
	static const uint8_t extra[] = { 0x05, 0x01, 0x00, 0xff };
	const struct msg_case *c = &cases[_i];
	uint8_t buf[MAX_WIRE + sizeof(extra)];
	int rc;

	memcpy(buf, c->wire, c->len);
	memcpy(buf + c->len, extra, sizeof(extra));
	rc = decode_copy(c, buf, c->len + sizeof(extra));
	ck_assert_msg(rc == (int)c->len, "%s: consumed %d bytes, want %zu", c->what, rc, c->len);
}
END_TEST

START_TEST(test_truncated)
{
	const struct msg_case *c = &cases[_i];
	size_t p;

	for (p = 0; p < c->len; p++) {
		int rc = decode_copy(c, c->wire, p);

		ck_assert_msg(rc == SOCKS5_ERR_SHORT, "%s: first %zu of %zu bytes gave %d", c->what,
			      p, c->len, rc);
	}
}
END_TEST

START_TEST(test_no_space)
{
	const struct msg_case *c = &cases[_i];
	size_t cap;

	for (cap = 0; cap < c->len; cap++) {
		uint8_t *out = malloc(cap + GUARD);
		int rc;

		ck_assert_ptr_nonnull(out);
		memset(out, CANARY, cap + GUARD);
		rc = c->kind->encode(c, out, cap);
		ck_assert_msg(rc == SOCKS5_ERR_SPACE, "%s: cap %zu gave %d", c->what, cap, rc);
		assert_untouched(out + cap, GUARD, c->what);
		free(out);
	}
}
END_TEST

START_TEST(test_wrong_version)
{
	static const uint8_t versions[] = { 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x7f, 0xff };
	const struct msg_case *c = &cases[_i];
	uint8_t wire[MAX_WIRE];
	size_t v;

	memcpy(wire, c->wire, c->len);
	for (v = 0; v < ARRAY_LEN(versions); v++) {
		int rc;

		if (versions[v] == c->kind->version)
			continue;
		wire[0] = versions[v];
		rc = decode_copy(c, wire, c->len);
		ck_assert_msg(rc == SOCKS5_ERR_VERSION, "%s: VER 0x%02x gave %d", c->what,
			      versions[v], rc);
	}
}
END_TEST

static void add_msg_tests(TCase *tc, struct range r)
{
	tcase_add_loop_test(tc, test_encode, r.first, r.end);
	tcase_add_loop_test(tc, test_decode, r.first, r.end);
	tcase_add_loop_test(tc, test_roundtrip, r.first, r.end);
	tcase_add_loop_test(tc, test_trailing_ignored, r.first, r.end);
	tcase_add_loop_test(tc, test_truncated, r.first, r.end);
	tcase_add_loop_test(tc, test_no_space, r.first, r.end);
	if (cases[r.first].kind->version >= 0)
		tcase_add_loop_test(tc, test_wrong_version, r.first, r.end);
}

/* ------------------------------------------------------------- greeting */

START_TEST(test_greeting_encode_bad_count)
{
	static const size_t counts[] = { 0, 256, 1000 };
	uint8_t methods[1000] = { 0 }, out[2000];
	size_t i;

	for (i = 0; i < ARRAY_LEN(counts); i++)
		ck_assert_int_eq(socks5_encode_greeting(out, sizeof(out), methods, counts[i]),
				 SOCKS5_ERR_LENGTH);
}
END_TEST

START_TEST(test_greeting_decode_zero_methods)
{
	static const uint8_t zero[] = { 0x05, 0x00 };
	static const uint8_t zero_more[] = { 0x05, 0x00, 0x00, 0x02 };
	uint8_t *in, methods[255];
	size_t n = 0;

	in = dup_exact(zero, sizeof(zero));
	ck_assert_int_eq(socks5_decode_greeting(in, sizeof(zero), methods, &n), SOCKS5_ERR_LENGTH);
	free(in);
	in = dup_exact(zero_more, sizeof(zero_more));
	ck_assert_int_eq(socks5_decode_greeting(in, sizeof(zero_more), methods, &n),
			 SOCKS5_ERR_LENGTH);
	free(in);
}
END_TEST

/* ----------------------------------------------------------------- auth */

START_TEST(test_auth_encode_bad_lengths)
{
	static const struct {
		size_t ulen, plen;
	} bad[] = { { 0, 1 }, { 0, 0 }, { 256, 1 }, { 1, 256 }, { 256, 256 }, { 1000, 1 } };
	char user[1000], pass[1000];
	uint8_t out[2100];
	size_t i;

	memset(user, 'u', sizeof(user));
	memset(pass, 'p', sizeof(pass));
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		int rc = socks5_encode_auth(out, sizeof(out), user, bad[i].ulen, pass, bad[i].plen);

		ck_assert_msg(rc == SOCKS5_ERR_LENGTH, "user %zu, password %zu gave %d", bad[i].ulen,
			      bad[i].plen, rc);
	}
}
END_TEST

START_TEST(test_auth_decode_empty_user)
{
	static const uint8_t empty_user[] = { 0x01, 0x00, 0x01, 'p' };
	char user[256], pass[256];
	size_t ulen, plen;
	uint8_t *in = dup_exact(empty_user, sizeof(empty_user));

	ck_assert_int_eq(socks5_decode_auth(in, sizeof(empty_user), user, &ulen, pass, &plen),
			 SOCKS5_ERR_LENGTH);
	free(in);
}
END_TEST

START_TEST(test_auth_max_size)
{
	static const char user[255], pass[255];
	uint8_t out[SOCKS5_MAX_AUTH];

	ck_assert_int_eq(socks5_encode_auth(out, sizeof(out), user, 255, pass, 255),
			 SOCKS5_MAX_AUTH);
}
END_TEST

/* ------------------------------------- request, reply and UDP header */

static uint8_t *addr_msg(const struct msg_kind *kind, const uint8_t *tail, size_t tail_len)
{
	uint8_t *buf = malloc(3 + tail_len);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, kind->hdr, 3);
	memcpy(buf + 3, tail, tail_len);
	return buf;
}

/* _i indexes addr_kinds[] */
START_TEST(test_bad_atyp_decode)
{
	static const uint8_t atyps[] = { 0x00, 0x02, 0x05, 0xff };
	const struct msg_kind *kind = addr_kinds[_i];
	size_t i;

	for (i = 0; i < ARRAY_LEN(atyps); i++) {
		const uint8_t tail[] = { atyps[i], 1, 2, 3, 4, 0x04, 0x38 };
		uint8_t *in = addr_msg(kind, tail, sizeof(tail));
		struct socks5_addr a;
		uint8_t code;
		int rc = kind->addr_decode(in, 3 + sizeof(tail), &code, &a);

		ck_assert_msg(rc == SOCKS5_ERR_ATYP, "%s: ATYP 0x%02x gave %d", kind->name, atyps[i],
			      rc);
		free(in);
	}
}
END_TEST

START_TEST(test_bad_atyp_encode)
{
	static const uint8_t atyps[] = { 0x00, 0x02, 0x05, 0xff };
	const struct msg_kind *kind = addr_kinds[_i];
	uint8_t out[SOCKS5_MAX_MSG];
	size_t i;

	for (i = 0; i < ARRAY_LEN(atyps); i++) {
		struct socks5_addr a = { .atyp = atyps[i], .name_len = 4, .port = 1080 };
		int rc = kind->addr_encode(out, sizeof(out), 0, &a);

		ck_assert_msg(rc == SOCKS5_ERR_ATYP, "%s: ATYP 0x%02x gave %d", kind->name, atyps[i],
			      rc);
	}
}
END_TEST

START_TEST(test_empty_domain)
{
	static const uint8_t tail[] = { 0x03, 0x00, 0x00, 0x50 };
	const struct msg_kind *kind = addr_kinds[_i];
	struct socks5_addr a = { .atyp = SOCKS5_ATYP_DOMAIN, .name_len = 0, .port = 80 };
	uint8_t out[SOCKS5_MAX_MSG], *in, code;

	ck_assert_int_eq(kind->addr_encode(out, sizeof(out), 0, &a), SOCKS5_ERR_LENGTH);
	in = addr_msg(kind, tail, sizeof(tail));
	ck_assert_int_eq(kind->addr_decode(in, 3 + sizeof(tail), &code, &a), SOCKS5_ERR_LENGTH);
	free(in);
}
END_TEST

START_TEST(test_request_max_size)
{
	uint8_t out[SOCKS5_MAX_MSG];

	ck_assert_int_eq(socks5_encode_request(out, sizeof(out), SOCKS5_CMD_CONNECT,
					       &long_domain_case()->addr),
			 SOCKS5_MAX_MSG);
}
END_TEST

/* Decodes a reply from an exact copy of msg, expecting success. */
static void decode_reply_ok(const uint8_t *msg, size_t len, uint8_t *rep, struct socks5_addr *a)
{
	uint8_t *in = dup_exact(msg, len);

	ck_assert_int_eq(socks5_decode_reply(in, len, rep, a), (int)len);
	free(in);
}

START_TEST(test_reply_unknown_rep)
{
	static const uint8_t reps[] = { 0x09, 0x0a, 0x80, 0xff };
	size_t i;

	for (i = 0; i < ARRAY_LEN(reps); i++) {
		const uint8_t msg[] = { 0x05, reps[i], 0x00, 0x01, 10, 0, 0, 1, 0x04, 0x38 };
		struct socks5_addr a;
		uint8_t rep = 0;

		decode_reply_ok(msg, sizeof(msg), &rep, &a);
		ck_assert_uint_eq(rep, reps[i]);
	}
}
END_TEST

START_TEST(test_reply_rsv_ignored)
{
	static const uint8_t rsvs[] = { 0x01, 0x80, 0xff };
	static const struct socks5_addr want = {
		.atyp = SOCKS5_ATYP_IPV4, .port = 1080, .u.ipv4 = { 127, 0, 0, 1 }
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(rsvs); i++) {
		const uint8_t msg[] = { 0x05, 0x00, rsvs[i], 0x01, 127, 0, 0, 1, 0x04, 0x38 };
		struct socks5_addr a;
		uint8_t rep = 0xee;

		decode_reply_ok(msg, sizeof(msg), &rep, &a);
		ck_assert_uint_eq(rep, SOCKS5_REP_SUCCEEDED);
		assert_addr_eq(&a, &want, "reply with RSV set");
	}
}
END_TEST

START_TEST(test_reply_domain_nul_terminated)
{
	static const uint8_t msg[] = { 0x05, 0x00, 0x00, 0x03, 0x02, 'h', 'i', 0x00, 0x50 };
	struct socks5_addr a;
	uint8_t rep;

	memset(&a, 'X', sizeof(a));
	decode_reply_ok(msg, sizeof(msg), &rep, &a);
	ck_assert_uint_eq(a.name_len, 2);
	ck_assert_str_eq(a.u.name, "hi");
	ck_assert_uint_eq(a.port, 80);
}
END_TEST

/* A datagram: the header, then the payload, which the decoder must skip. */
START_TEST(test_udp_header_then_payload)
{
	static const uint8_t frags[] = { 0x00, 0x01 };
	size_t i;

	for (i = 0; i < ARRAY_LEN(frags); i++) {
		const uint8_t dgram[] = { 0x00, 0x00, frags[i], 0x01, 192, 168, 0, 1, 0x00, 0x35,
					  'd', 'a', 't', 'a' };
		uint8_t *in = dup_exact(dgram, sizeof(dgram));
		uint8_t frag = 0xee;
		struct socks5_addr a;

		ck_assert_int_eq(socks5_decode_udp_header(in, sizeof(dgram), &frag, &a), 10);
		ck_assert_uint_eq(frag, frags[i]);
		ck_assert_uint_eq(a.atyp, SOCKS5_ATYP_IPV4);
		ck_assert_uint_eq(a.port, 53);
		free(in);
	}
}
END_TEST

/* ------------------------------------------------------------ reply_need */

START_TEST(test_need_short_header)
{
	static const uint8_t hdr[] = { 0x05, 0x00, 0x00, 0x01 };
	size_t n;

	for (n = 0; n < 4; n++)
		ck_assert_int_eq(need_copy(hdr, n), 4);
}
END_TEST

START_TEST(test_need_from_header)
{
	static const struct {
		uint8_t in[5];
		size_t len;
		int need;
	} table[] = {
		{ { 0x05, 0x00, 0x00, 0x01 }, 4, 10 },
		{ { 0x05, 0x00, 0x00, 0x04 }, 4, 22 },
		{ { 0x05, 0x00, 0x00, 0x03 }, 4, 5 },
		{ { 0x05, 0x00, 0x00, 0x03, 0x01 }, 5, 8 },
		{ { 0x05, 0x00, 0x00, 0x03, 0x0b }, 5, 18 },
		{ { 0x05, 0x00, 0x00, 0x03, 0xff }, 5, 7 + 255 },
		{ { 0x05, 0x00, 0x00, 0x03, 0x00 }, 5, SOCKS5_ERR_LENGTH },
		{ { 0x04 }, 1, SOCKS5_ERR_VERSION },
		{ { 0x00, 0x00, 0x00, 0x01 }, 4, SOCKS5_ERR_VERSION },
		{ { 0xff, 0x00, 0x00, 0x01 }, 4, SOCKS5_ERR_VERSION },
		{ { 0x05, 0x00, 0x00, 0x00 }, 4, SOCKS5_ERR_ATYP },
		{ { 0x05, 0x00, 0x00, 0x02 }, 4, SOCKS5_ERR_ATYP },
		{ { 0x05, 0x00, 0x00, 0x05 }, 4, SOCKS5_ERR_ATYP },
		{ { 0x05, 0x00, 0x00, 0xff }, 4, SOCKS5_ERR_ATYP },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++) {
		int need = need_copy(table[i].in, table[i].len);

		ck_assert_msg(need == table[i].need, "row %zu: need %d, want %d", i, need,
			      table[i].need);
	}
}
END_TEST

/* Over cases[]: every prefix asks for more, but never past the message. */
START_TEST(test_need_prefixes)
{
	const struct msg_case *c = &cases[_i];
	size_t p;

	for (p = 0; p < c->len; p++) {
		int need = need_copy(c->wire, p);

		ck_assert_msg(need > (int)p && need <= (int)c->len, "%s: %zu bytes gave need %d",
			      c->what, p, need);
	}
	ck_assert_int_eq(need_copy(c->wire, c->len), (int)c->len);
}
END_TEST

/* A reader that fetches exactly what reply_need asks stops at the end. */
START_TEST(test_need_reader)
{
	const struct msg_case *c = &cases[_i];
	size_t have = 0;
	int need, reads = 0;

	while ((need = need_copy(c->wire, have)) > (int)have) {
		ck_assert_msg(need <= (int)c->len && ++reads <= 3, "%s: asked for %d", c->what, need);
		have = (size_t)need;
	}
	ck_assert_int_eq(need, (int)c->len);
	ck_assert_uint_eq(have, c->len);
}
END_TEST

/* -------------------------------------------------------------- strerror */

START_TEST(test_addr_format)
{
	struct socks5_addr a = { .atyp = SOCKS5_ATYP_IPV4, .port = 80, .u.ipv4 = { 203, 0, 113, 10 } };
	char out[SOCKS5_ADDR_STRLEN];

	socks5_addr_format(&a, out);
	ck_assert_str_eq(out, "203.0.113.10:80");
	a.atyp = SOCKS5_ATYP_IPV6;
	memset(a.u.ipv6, 0, 16);
	a.u.ipv6[0] = 0x20, a.u.ipv6[1] = 0x01, a.u.ipv6[2] = 0x0d, a.u.ipv6[3] = 0xb8, a.u.ipv6[15] = 1;
	a.port = 65535;
	socks5_addr_format(&a, out);
	ck_assert_str_eq(out, "[2001:db8::1]:65535");
	a.atyp = SOCKS5_ATYP_DOMAIN;
	memcpy(a.u.name, "www.example.test", 16);
	a.name_len = 16;
	a.port = 0;
	socks5_addr_format(&a, out);
	ck_assert_str_eq(out, "www.example.test:0");
	memcpy(a.u.name, "a\nb\x80 ", 5);
	a.name_len = 5;
	socks5_addr_format(&a, out);
	ck_assert_str_eq(out, "a?b??:0");
	memset(a.u.name, 'x', 255);
	a.name_len = 255;
	a.port = 65535;
	socks5_addr_format(&a, out);
	ck_assert_uint_eq(strlen(out), 255 + 6);
	a.atyp = 9;
	socks5_addr_format(&a, out);
	ck_assert_str_eq(out, "(address type 9)");
}
END_TEST

START_TEST(test_strerror_known)
{
	static const int errs[] = { SOCKS5_ERR_SHORT, SOCKS5_ERR_VERSION, SOCKS5_ERR_LENGTH,
				    SOCKS5_ERR_ATYP, SOCKS5_ERR_SPACE };
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(errs); i++) {
		const char *s = socks5_strerror(errs[i]);

		ck_assert_msg(s != NULL && *s != '\0', "error %d has no text", errs[i]);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(s, socks5_strerror(errs[j])) != 0,
				      "errors %d and %d share \"%s\"", errs[i], errs[j], s);
	}
}
END_TEST

START_TEST(test_strerror_unknown)
{
	static const int errs[] = { 0, 1, -6, -100, INT_MIN, INT_MAX };
	size_t i;

	for (i = 0; i < ARRAY_LEN(errs); i++) {
		const char *s = socks5_strerror(errs[i]);

		ck_assert_msg(s != NULL && *s != '\0', "value %d has no text", errs[i]);
	}
}
END_TEST

/* ----------------------------------------------------------------- suite */

static TCase *msg_tcase(const char *name, struct range r)
{
	TCase *tc = tcase_create(name);

	add_msg_tests(tc, r);
	return tc;
}

/* The tests over addr_kinds[] for the one kind at index k. */
static TCase *addr_tcase(const char *name, struct range r, int k)
{
	TCase *tc = msg_tcase(name, r);

	tcase_add_loop_test(tc, test_bad_atyp_decode, k, k + 1);
	tcase_add_loop_test(tc, test_bad_atyp_encode, k, k + 1);
	tcase_add_loop_test(tc, test_empty_domain, k, k + 1);
	return tc;
}

static Suite *socks5_suite(void)
{
	Suite *s = suite_create("socks5");
	TCase *tc;

	tc = msg_tcase("greeting", greeting_cases);
	tcase_add_test(tc, test_greeting_encode_bad_count);
	tcase_add_test(tc, test_greeting_decode_zero_methods);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, msg_tcase("method choice", choice_cases));

	tc = msg_tcase("auth", auth_cases);
	tcase_add_test(tc, test_auth_encode_bad_lengths);
	tcase_add_test(tc, test_auth_decode_empty_user);
	tcase_add_test(tc, test_auth_max_size);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, msg_tcase("auth reply", auth_reply_cases));

	tc = addr_tcase("request", request_cases, 0);
	tcase_add_test(tc, test_request_max_size);
	suite_add_tcase(s, tc);

	tc = addr_tcase("reply", reply_cases, 1);
	tcase_add_test(tc, test_reply_unknown_rep);
	tcase_add_test(tc, test_reply_rsv_ignored);
	tcase_add_test(tc, test_reply_domain_nul_terminated);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply_need");
	tcase_add_test(tc, test_need_short_header);
	tcase_add_test(tc, test_need_from_header);
	tcase_add_loop_test(tc, test_need_prefixes, reply_cases.first, reply_cases.end);
	tcase_add_loop_test(tc, test_need_prefixes, request_cases.first, request_cases.end);
	tcase_add_loop_test(tc, test_need_reader, reply_cases.first, reply_cases.end);
	suite_add_tcase(s, tc);

	tc = addr_tcase("udp header", udp_cases, 2);
	tcase_add_test(tc, test_udp_header_then_payload);
	suite_add_tcase(s, tc);

	tc = tcase_create("strerror");
	tcase_add_test(tc, test_addr_format);
	tcase_add_test(tc, test_strerror_known);
	tcase_add_test(tc, test_strerror_unknown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	build_cases();
	return run_suite(socks5_suite(), CK_FORK_GETENV);
}
