/*
 * res_query NAME TYPE [NAME TYPE]...: for each pair, in one process (so
 * one fake-DNS table), prints what res_query() answered, one line:
 * "A a.b.c.d", "AAAA x:y::z", "PTR name", "EMPTY" (no answer record) or
 * "ERR <h_errno>". The answer is walked by hand (no libresolv parser).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int skip_name(const unsigned char *m, int len, int off)
{
	while (off < len) {
		if (m[off] == 0)
			return off + 1;
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2;
		off += m[off] + 1;
	}
	return len;
}

static int query(const char *name, int type)
{
	unsigned char ans[4096];
	char text[NS_MAXDNAME];
	int n = res_query(name, ns_c_in, type, ans, sizeof(ans));

	if (n < 0) {
		printf("ERR %d\n", h_errno);
		return 1;
	}
	if ((ans[6] << 8 | ans[7]) == 0) {
		printf("EMPTY\n");
		return 0;
	}
	int off = skip_name(ans, n, 12) + 4;  /* the question */
	off = skip_name(ans, n, off);          /* the answer's owner */
	int rtype = ans[off] << 8 | ans[off + 1];
	int rdlen = ans[off + 8] << 8 | ans[off + 9];
	const unsigned char *rdata = ans + off + 10;
	if (rtype == ns_t_a && rdlen == 4)
		printf("A %s\n", inet_ntop(AF_INET, rdata, text, sizeof(text)));
	else if (rtype == ns_t_aaaa && rdlen == 16)
		printf("AAAA %s\n", inet_ntop(AF_INET6, rdata, text, sizeof(text)));
	else if (rtype == ns_t_ptr && dn_expand(ans, ans + n, rdata, text, sizeof(text)) > 0)
		printf("PTR %s\n", text);
	else
		printf("TYPE %d\n", rtype);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 1; i + 1 < argc; i += 2)
		failed |= query(argv[i], atoi(argv[i + 1]));
	return failed;
}
