/*
 * The profile lines of socksify --export. Values are single-quoted, so the
 * shell evaluating them expands nothing; LD_PRELOAD is tested when the
 * profile runs, not now, so nested shells do not add the library twice
 * and pasted lines stay right.
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "url.h"

/* text in single quotes, each ' written as '\'' */
static void put_quoted(FILE *out, const char *text)
{
	fputc('\'', out);
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", out);
		else
			fputc(*p, out);
	}
	fputc('\'', out);
}

/* A profile is readable by anyone who can read the home directory: no passwords in it. */
static bool holds_password(const char *name, const char *value)
{
	struct proxy_url url;
	const char *why;
	bool has_pass;

	if (strcmp(name, "SOCKSIFY_PROXY") != 0 || !url_parse_proxy(value, &url, &why))
		return false;
	has_pass = url.has_pass;
	memset(&url, 0, sizeof(url));
	return has_pass;
}

/* The library in front of LD_PRELOAD, compared entry by entry (ld.so splits at ':' and ' '). */
static void put_preload(FILE *out, const char *lib)
{
	fputs("if [ -r ", out);
	put_quoted(out, lib);
	fputs(" ]; then\n\tcase \" ${LD_PRELOAD-} \" in\n\t*[\\ :]", out);
	put_quoted(out, lib);
	fputs("[\\ :]*) ;;\n\t*) export LD_PRELOAD=", out);
	put_quoted(out, lib);
	fputs("\"${LD_PRELOAD:+:$LD_PRELOAD}\" ;;\n\tesac\nfi\n", out);
}

bool export_print(FILE *out, const char *lib, const char *const *names, size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		const char *value = getenv(names[i]);

		if (value != NULL && holds_password(names[i], value)) {
			*why = "--export prints no password: leave it out of the proxy URL and use --password-file";
			return false;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *value = getenv(names[i]);

		if (value == NULL)
			continue;
		fprintf(out, "export %s=", names[i]);
		put_quoted(out, value);
		fputc('\n', out);
	}
	put_preload(out, lib);
	return true;
}
