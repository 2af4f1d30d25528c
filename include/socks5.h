/*
 * SOCKS5 wire codec (RFC 1928, RFC 1929): bytes <-> structs, no I/O, so
 * every branch can be unit-tested and fuzzed byte by byte.
 *
 * Encoders return the number of bytes written, decoders the number of bytes
 * consumed; both return a negative enum socks5_err on failure.
 */
#ifndef SOCKSIFY_SOCKS5_H
#define SOCKSIFY_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

#define SOCKS5_VERSION 0x05
#define SOCKS5_AUTH_VERSION 0x01
#define SOCKS5_DEFAULT_PORT 1080

enum socks5_method {
	SOCKS5_METHOD_NONE = 0x00,
	SOCKS5_METHOD_GSSAPI = 0x01,
	SOCKS5_METHOD_USERPASS = 0x02,
	SOCKS5_METHOD_REJECT = 0xff,
};

enum socks5_cmd {
	SOCKS5_CMD_CONNECT = 0x01,
	SOCKS5_CMD_BIND = 0x02,
	SOCKS5_CMD_UDP_ASSOCIATE = 0x03,
};

enum socks5_atyp {
	SOCKS5_ATYP_IPV4 = 0x01,
	SOCKS5_ATYP_DOMAIN = 0x03,
	SOCKS5_ATYP_IPV6 = 0x04,
};

enum socks5_rep {
	SOCKS5_REP_SUCCEEDED = 0x00,
	SOCKS5_REP_GENERAL_FAILURE = 0x01,
	SOCKS5_REP_NOT_ALLOWED = 0x02,
	SOCKS5_REP_NET_UNREACHABLE = 0x03,
	SOCKS5_REP_HOST_UNREACHABLE = 0x04,
	SOCKS5_REP_REFUSED = 0x05,
	SOCKS5_REP_TTL_EXPIRED = 0x06,
	SOCKS5_REP_CMD_UNSUPPORTED = 0x07,
	SOCKS5_REP_ATYP_UNSUPPORTED = 0x08,
};

enum socks5_err {
	SOCKS5_ERR_SHORT = -1,   /* input ends before the message does */
	SOCKS5_ERR_VERSION = -2, /* wrong VER byte */
	SOCKS5_ERR_LENGTH = -3,  /* a length field out of its allowed range */
	SOCKS5_ERR_ATYP = -4,    /* unknown address type */
	SOCKS5_ERR_SPACE = -5,   /* output buffer too small */
};

/* Longest message: a request or reply with a 255-byte domain name. */
#define SOCKS5_MAX_MSG (4 + 1 + 255 + 2)
/* Longest RFC 1929 request: VER ULEN UNAME PLEN PASSWD. */
#define SOCKS5_MAX_AUTH (1 + 1 + 255 + 1 + 255)

struct socks5_addr {
	uint8_t atyp;
	uint8_t name_len; /* for SOCKS5_ATYP_DOMAIN */
	uint16_t port;    /* host byte order */
	union {
		uint8_t ipv4[4];
		uint8_t ipv6[16];
		char name[256]; /* not NUL-terminated on the wire; NUL added by decoders */
	} u;
};

/* Method selection (client -> server and back). methods holds 255 bytes. */
int socks5_encode_greeting(uint8_t *out, size_t cap, const uint8_t *methods, size_t n);
int socks5_decode_greeting(const uint8_t *in, size_t len, uint8_t *methods, size_t *n);
int socks5_encode_method_choice(uint8_t *out, size_t cap, uint8_t method);
int socks5_decode_method_choice(const uint8_t *in, size_t len, uint8_t *method);

/* RFC 1929 username/password sub-negotiation; decoded user and pass hold
 * 256 bytes each (NUL-terminated). */
int socks5_encode_auth(uint8_t *out, size_t cap, const char *user, size_t user_len,
		       const char *pass, size_t pass_len);
int socks5_decode_auth(const uint8_t *in, size_t len, char *user, size_t *user_len,
		       char *pass, size_t *pass_len);
int socks5_encode_auth_reply(uint8_t *out, size_t cap, uint8_t status);
int socks5_decode_auth_reply(const uint8_t *in, size_t len, uint8_t *status);

/* Requests and replies share one layout: VER CMD|REP RSV ATYP ADDR PORT. */
int socks5_encode_request(uint8_t *out, size_t cap, uint8_t cmd, const struct socks5_addr *dst);
int socks5_decode_request(const uint8_t *in, size_t len, uint8_t *cmd, struct socks5_addr *dst);
int socks5_encode_reply(uint8_t *out, size_t cap, uint8_t rep, const struct socks5_addr *bnd);
int socks5_decode_reply(const uint8_t *in, size_t len, uint8_t *rep, struct socks5_addr *bnd);

/*
 * How many bytes the request or reply starting at in[0..len) needs in all,
 * judged from what is there: a reader fetches exactly that many and never
 * more, so bytes the server sends after its reply stay in the socket.
 * Returns the message's whole length as far as it can be known yet (more
 * than len while bytes are missing; at most len once complete), or a
 * negative socks5_err.
 */
int socks5_reply_need(const uint8_t *in, size_t len);

/* RFC 1928 section 7 UDP request header: RSV(2) FRAG ATYP ADDR PORT. */
int socks5_encode_udp_header(uint8_t *out, size_t cap, uint8_t frag, const struct socks5_addr *dst);
int socks5_decode_udp_header(const uint8_t *in, size_t len, uint8_t *frag, struct socks5_addr *dst);

/*
 * "www.example.test:80", "203.0.113.10:80", "[2001:db8::1]:80" for log
 * lines; a name's bytes that are not printable ASCII become '?'.
 */
#define SOCKS5_ADDR_STRLEN (255 + 2 + 2 + 6 + 1)
void socks5_addr_format(const struct socks5_addr *a, char out[SOCKS5_ADDR_STRLEN]);

/* A short, static description of a socks5_err, for log lines. */
const char *socks5_strerror(int err);

#endif
