#include "socks5.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static int addr_wire_len(const struct socks5_addr *a)
{
	switch (a->atyp) {
	case SOCKS5_ATYP_IPV4:
		return 4;
	case SOCKS5_ATYP_IPV6:
		return 16;
	case SOCKS5_ATYP_DOMAIN:
		if (a->name_len == 0)
			return SOCKS5_ERR_LENGTH;
		return 1 + a->name_len;
	default:
		return SOCKS5_ERR_ATYP;
	}
}

static int encode_addr(uint8_t *out, size_t cap, const struct socks5_addr *a)
{
	int alen = addr_wire_len(a);

	if (alen < 0)
		return alen;
	if (cap < (size_t)alen + 3)
		return SOCKS5_ERR_SPACE;
	out[0] = a->atyp;
	if (a->atyp == SOCKS5_ATYP_IPV4)
		memcpy(out + 1, a->u.ipv4, 4);
	else if (a->atyp == SOCKS5_ATYP_IPV6)
		memcpy(out + 1, a->u.ipv6, 16);
	else {
		out[1] = a->name_len;
		memcpy(out + 2, a->u.name, a->name_len);
	}
	out[1 + alen] = (uint8_t)(a->port >> 8);
	out[2 + alen] = (uint8_t)(a->port & 0xff);
	return alen + 3;
}

/* Bytes an address starting with its ATYP byte occupies, from what is there. */
static int addr_need(const uint8_t *in, size_t len)
{
	if (len < 1)
		return 1;
	switch (in[0]) {
	case SOCKS5_ATYP_IPV4:
		return 1 + 4 + 2;
	case SOCKS5_ATYP_IPV6:
		return 1 + 16 + 2;
	case SOCKS5_ATYP_DOMAIN:
		if (len < 2)
			return 2;
		if (in[1] == 0)
			return SOCKS5_ERR_LENGTH;
		return 2 + in[1] + 2;
	default:
		return SOCKS5_ERR_ATYP;
	}
}

static int decode_addr(const uint8_t *in, size_t len, struct socks5_addr *a)
{
	int need = addr_need(in, len);

	if (need < 0)
		return need;
	if (len < (size_t)need)
		return SOCKS5_ERR_SHORT;
	memset(a, 0, sizeof(*a));
	a->atyp = in[0];
	if (a->atyp == SOCKS5_ATYP_IPV4)
		memcpy(a->u.ipv4, in + 1, 4);
	else if (a->atyp == SOCKS5_ATYP_IPV6)
		memcpy(a->u.ipv6, in + 1, 16);
	else {
		a->name_len = in[1];
		memcpy(a->u.name, in + 2, a->name_len);
		a->u.name[a->name_len] = '\0';
	}
	a->port = (uint16_t)(in[need - 2] << 8 | in[need - 1]);
	return need;
}

int socks5_encode_greeting(uint8_t *out, size_t cap, const uint8_t *methods, size_t n)
{
	if (n == 0 || n > 255)
		return SOCKS5_ERR_LENGTH;
	if (cap < n + 2)
		return SOCKS5_ERR_SPACE;
	out[0] = SOCKS5_VERSION;
	out[1] = (uint8_t)n;
	memcpy(out + 2, methods, n);
	return (int)n + 2;
}

int socks5_decode_greeting(const uint8_t *in, size_t len, uint8_t *methods, size_t *n)
{
	if (len < 2)
		return SOCKS5_ERR_SHORT;
	if (in[0] != SOCKS5_VERSION)
		return SOCKS5_ERR_VERSION;
	if (in[1] == 0)
		return SOCKS5_ERR_LENGTH;
	if (len < (size_t)in[1] + 2)
		return SOCKS5_ERR_SHORT;
	*n = in[1];
	memcpy(methods, in + 2, *n);
	return (int)*n + 2;
}

int socks5_encode_method_choice(uint8_t *out, size_t cap, uint8_t method)
{
	if (cap < 2)
		return SOCKS5_ERR_SPACE;
	out[0] = SOCKS5_VERSION;
	out[1] = method;
	return 2;
}

int socks5_decode_method_choice(const uint8_t *in, size_t len, uint8_t *method)
{
	if (len < 2)
		return SOCKS5_ERR_SHORT;
	if (in[0] != SOCKS5_VERSION)
		return SOCKS5_ERR_VERSION;
	*method = in[1];
	return 2;
}

/*
 * RFC 1929 asks for 1 to 255 bytes of password; an empty one is accepted
 * here because servers configured with one exist and would be unreachable.
 */
int socks5_encode_auth(uint8_t *out, size_t cap, const char *user, size_t user_len,
		       const char *pass, size_t pass_len)
{
	if (user_len == 0 || user_len > 255 || pass_len > 255)
		return SOCKS5_ERR_LENGTH;
	if (cap < 3 + user_len + pass_len)
		return SOCKS5_ERR_SPACE;
	out[0] = SOCKS5_AUTH_VERSION;
	out[1] = (uint8_t)user_len;
	memcpy(out + 2, user, user_len);
	out[2 + user_len] = (uint8_t)pass_len;
	memcpy(out + 3 + user_len, pass, pass_len);
	return (int)(3 + user_len + pass_len);
}

int socks5_decode_auth(const uint8_t *in, size_t len, char *user, size_t *user_len,
		       char *pass, size_t *pass_len)
{
	size_t ulen, plen;

	if (len < 2)
		return SOCKS5_ERR_SHORT;
	if (in[0] != SOCKS5_AUTH_VERSION)
		return SOCKS5_ERR_VERSION;
	ulen = in[1];
	if (ulen == 0)
		return SOCKS5_ERR_LENGTH;
	if (len < 3 + ulen)
		return SOCKS5_ERR_SHORT;
	plen = in[2 + ulen];
	if (len < 3 + ulen + plen)
		return SOCKS5_ERR_SHORT;
	memcpy(user, in + 2, ulen);
	user[ulen] = '\0';
	memcpy(pass, in + 3 + ulen, plen);
	pass[plen] = '\0';
	*user_len = ulen;
	*pass_len = plen;
	return (int)(3 + ulen + plen);
}

int socks5_encode_auth_reply(uint8_t *out, size_t cap, uint8_t status)
{
	if (cap < 2)
		return SOCKS5_ERR_SPACE;
	out[0] = SOCKS5_AUTH_VERSION;
	out[1] = status;
	return 2;
}

int socks5_decode_auth_reply(const uint8_t *in, size_t len, uint8_t *status)
{
	if (len < 2)
		return SOCKS5_ERR_SHORT;
	if (in[0] != SOCKS5_AUTH_VERSION)
		return SOCKS5_ERR_VERSION;
	*status = in[1];
	return 2;
}

static int encode_msg(uint8_t *out, size_t cap, uint8_t code, const struct socks5_addr *a)
{
	int n;

	if (cap < 3)
		return SOCKS5_ERR_SPACE;
	n = encode_addr(out + 3, cap - 3, a);
	if (n < 0)
		return n;
	out[0] = SOCKS5_VERSION;
	out[1] = code;
	out[2] = 0;
	return n + 3;
}

/* RSV is not checked: servers that fill it are otherwise well formed. */
static int decode_msg(const uint8_t *in, size_t len, uint8_t *code, struct socks5_addr *a)
{
	int n;

	if (len < 1)
		return SOCKS5_ERR_SHORT;
	if (in[0] != SOCKS5_VERSION)
		return SOCKS5_ERR_VERSION;
	if (len < 4)
		return SOCKS5_ERR_SHORT;
	n = decode_addr(in + 3, len - 3, a);
	if (n < 0)
		return n;
	*code = in[1];
	return n + 3;
}

int socks5_encode_request(uint8_t *out, size_t cap, uint8_t cmd, const struct socks5_addr *dst)
{
	return encode_msg(out, cap, cmd, dst);
}

int socks5_decode_request(const uint8_t *in, size_t len, uint8_t *cmd, struct socks5_addr *dst)
{
	return decode_msg(in, len, cmd, dst);
}

int socks5_encode_reply(uint8_t *out, size_t cap, uint8_t rep, const struct socks5_addr *bnd)
{
	return encode_msg(out, cap, rep, bnd);
}

int socks5_decode_reply(const uint8_t *in, size_t len, uint8_t *rep, struct socks5_addr *bnd)
{
	return decode_msg(in, len, rep, bnd);
}

int socks5_reply_need(const uint8_t *in, size_t len)
{
	int n;

	if (len < 1)
		return 4;
	if (in[0] != SOCKS5_VERSION)
		return SOCKS5_ERR_VERSION;
	if (len < 4)
		return 4;
	n = addr_need(in + 3, len - 3);
	return n < 0 ? n : n + 3;
}

int socks5_encode_udp_header(uint8_t *out, size_t cap, uint8_t frag, const struct socks5_addr *dst)
{
	int n;

	if (cap < 3)
		return SOCKS5_ERR_SPACE;
	n = encode_addr(out + 3, cap - 3, dst);
	if (n < 0)
		return n;
	out[0] = 0;
	out[1] = 0;
	out[2] = frag;
	return n + 3;
}

int socks5_decode_udp_header(const uint8_t *in, size_t len, uint8_t *frag, struct socks5_addr *dst)
{
	int n;

	if (len < 4)
		return SOCKS5_ERR_SHORT;
	n = decode_addr(in + 3, len - 3, dst);
	if (n < 0)
		return n;
	*frag = in[2];
	return n + 3;
}

const char *socks5_strerror(int err)
{
	switch (err) {
	case SOCKS5_ERR_SHORT:
		return "message cut short";
	case SOCKS5_ERR_VERSION:
		return "wrong version byte";
	case SOCKS5_ERR_LENGTH:
		return "length field out of range";
	case SOCKS5_ERR_ATYP:
		return "unknown address type";
	case SOCKS5_ERR_SPACE:
		return "message too long for its buffer";
	default:
		return "unknown codec error";
	}
}

void socks5_addr_format(const struct socks5_addr *a, char out[SOCKS5_ADDR_STRLEN])
{
	char host[INET6_ADDRSTRLEN];
	size_t i;

	switch (a->atyp) {
	case SOCKS5_ATYP_IPV4:
		inet_ntop(AF_INET, a->u.ipv4, host, sizeof(host));
		snprintf(out, SOCKS5_ADDR_STRLEN, "%s:%u", host, a->port);
		return;
	case SOCKS5_ATYP_IPV6:
		inet_ntop(AF_INET6, a->u.ipv6, host, sizeof(host));
		snprintf(out, SOCKS5_ADDR_STRLEN, "[%s]:%u", host, a->port);
		return;
	case SOCKS5_ATYP_DOMAIN:
		for (i = 0; i < a->name_len; i++)
			out[i] = a->u.name[i] > ' ' && a->u.name[i] < 0x7f ? a->u.name[i] : '?';
		snprintf(out + i, SOCKS5_ADDR_STRLEN - i, ":%u", a->port);
		return;
	default:
		snprintf(out, SOCKS5_ADDR_STRLEN, "(address type %u)", a->atyp);
	}
}
