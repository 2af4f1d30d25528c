#include "nameserver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "file.h"

#define RESOLV_CONF_MAX ((size_t)64 * 1024)

/* One "nameserver ADDR" line: the address, without a %scope suffix. */
static bool parse_line(const char *line, size_t len, struct sockaddr_storage *out)
{
	static const char keyword[] = "nameserver";
	char addr[64];
	size_t i = sizeof(keyword) - 1, start;

	if (len <= i || strncmp(line, keyword, i) != 0 || (line[i] != ' ' && line[i] != '\t'))
		return false;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	start = i;
	while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '%' &&
	       line[i] != '#' && line[i] != ';')
		i++;
	if (i == start || i - start >= sizeof(addr))
		return false;
	memcpy(addr, line + start, i - start);
	addr[i - start] = '\0';
	/* A bracketed or ported form is not resolv.conf syntax. */
	if (strchr(addr, '[') != NULL || (strchr(addr, '.') != NULL && strchr(addr, ':') != NULL &&
					  strncasecmp(addr, "::ffff:", 7) != 0))
		return false;
	return addr_parse(addr, DNS_PORT, out);
}

size_t nameserver_parse(const char *text, struct sockaddr_storage *out, size_t max)
{
	size_t n = 0;

	while (*text != '\0' && n < max) {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (parse_line(text, len, &out[n]))
			n++;
		text += len + (nl != NULL);
	}
	return n;
}

enum { CONF_UNREAD, CONF_READING, CONF_READ };

/* Read once, lock-free: a reader that finds it being read, or unreadable
 * for want of a file descriptor or memory, asks again next time. */
static struct {
	atomic_int state;
	struct sockaddr_storage addr[NAMESERVER_MAX];
	size_t n;
} conf;

/* Whether the list can be used now. */
static bool conf_ready(void)
{
	int expected = CONF_UNREAD;
	size_t len;
	char *text;

	if (atomic_load_explicit(&conf.state, memory_order_acquire) == CONF_READ)
		return true;
	if (!atomic_compare_exchange_strong(&conf.state, &expected, CONF_READING))
		return false;
	text = file_read_all(RESOLV_CONF_PATH, RESOLV_CONF_MAX, &len);
	if (text == NULL && file_error_transient(errno)) {
		atomic_store_explicit(&conf.state, CONF_UNREAD, memory_order_release);
		return false;
	}
	if (text != NULL)
		conf.n = nameserver_parse(text, conf.addr, NAMESERVER_MAX);
	free(text);
	atomic_store_explicit(&conf.state, CONF_READ, memory_order_release);
	return true;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (ss->ss_family == AF_INET)
		return ((const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr)[0] == 127;
	return memcmp(((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr, v6_loopback, 16) == 0;
}

bool nameserver_is(const struct sockaddr_storage *dst)
{
	if ((dst->ss_family != AF_INET && dst->ss_family != AF_INET6) || addr_port(dst) != DNS_PORT)
		return false;
	if (is_loopback(dst))
		return true;
	/* Unknown for now: any name server is treated as one of them. */
	if (!conf_ready())
		return true;
	for (size_t i = 0; i < conf.n; i++)
		if (addr_equal(&conf.addr[i], dst))
			return true;
	return false;
}
