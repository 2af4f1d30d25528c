/*
 * Why a program will not be proxied: the decisions the kernel and ld.so
 * make at exec, redone on the file. A program without PT_INTERP runs
 * without ld.so, so nothing preloads; in secure-execution mode (AT_SECURE)
 * ld.so ignores LD_PRELOAD and removes it from the environment.
 */
#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "detect.h"

/* binfmt_script follows at most this many interpreters. */
#define MAX_DEPTH 4
/* How much of a "#!" line the kernel reads (BINPRM_BUF_SIZE). */
#define HEAD_MAX 256

struct finding {
	char path[PATH_MAX]; /* the file the library will not be loaded into */
	char reason[160];    /* "is statically linked", ... */
};

struct elf_info {
	uint64_t phoff;
	unsigned phnum, phentsize, type;
};

static bool unproxied(const char *path, int depth, struct finding *f);

/* dir/name (name alone when dir is empty), if it is an executable regular file. */
static bool executable_at(char out[PATH_MAX], const char *dir, size_t dlen, const char *name)
{
	struct stat st;
	int n = snprintf(out, PATH_MAX, "%.*s%s%s", (int)dlen, dir, dlen > 0 ? "/" : "", name);

	if (n < 0 || n >= PATH_MAX)
		return false;
	return stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0;
}

/* As execvp(3): a name with a slash as it is, otherwise the first match on PATH. */
static bool find_command(const char *cmd, char out[PATH_MAX])
{
	const char *path = getenv("PATH");
	char fallback[128];

	if (strchr(cmd, '/') != NULL)
		return executable_at(out, "", 0, cmd);
	if (path == NULL) {
		confstr(_CS_PATH, fallback, sizeof(fallback));
		path = fallback;
	}
	for (const char *p = path;; p++) {
		size_t len = strcspn(p, ":");

		if (executable_at(out, p, len, cmd))
			return true;
		p += len;
		if (*p == '\0')
			return false;
	}
}

/* A name for messages: the account's, or the number. */
static const char *id_name(const char *name, unsigned id, char buf[16])
{
	if (name != NULL)
		return name;
	snprintf(buf, 16, "%u", id);
	return buf;
}

/* The kernel ignores set-ID bits and file capabilities on such a mount. */
static bool on_nosuid_mount(const char *path)
{
	struct statvfs vfs;

	return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID) != 0;
}

/* Under no_new_privs exec ignores set-ID bits and grants no capabilities. */
static bool no_new_privs(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

/*
 * File capabilities make exec secure for a caller whose real uid is not 0;
 * under no_new_privs only a set marked effective still does.
 */
static bool caps_secure(const char *path)
{
	struct vfs_ns_cap_data caps;
	ssize_t n;

	if (getuid() == 0)
		return false;
	n = getxattr(path, "security.capability", &caps, sizeof(caps));
	if (n < (ssize_t)sizeof(caps.magic_etc))
		return false;
	return !no_new_privs() || (le32toh(caps.magic_etc) & VFS_CAP_FLAGS_EFFECTIVE) != 0;
}

/* AT_SECURE: exec moves the effective uid or gid away from the real one, or grants capabilities. */
static bool secure_exec(const char *path, const struct stat *st, struct finding *f)
{
	static const char drops[] = "and the loader drops LD_PRELOAD";
	char buf[16];
	const struct passwd *pw;
	const struct group *gr;

	if (on_nosuid_mount(path))
		return false;
	if ((st->st_mode & S_ISUID) != 0 && st->st_uid != getuid() && !no_new_privs()) {
		pw = getpwuid(st->st_uid);
		snprintf(f->reason, sizeof(f->reason), "is setuid %s %s",
			 id_name(pw != NULL ? pw->pw_name : NULL, st->st_uid, buf), drops);
		return true;
	}
	/* without group execute, S_ISGID means mandatory locking, not set-group-ID */
	if ((st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && st->st_gid != getgid() &&
	    !no_new_privs()) {
		gr = getgrgid(st->st_gid);
		snprintf(f->reason, sizeof(f->reason), "is setgid %s %s",
			 id_name(gr != NULL ? gr->gr_name : NULL, st->st_gid, buf), drops);
		return true;
	}
	if (!caps_secure(path))
		return false;
	snprintf(f->reason, sizeof(f->reason), "has file capabilities %s", drops);
	return true;
}

/* The fields of an ELF header in this machine's byte order, either class. */
static bool elf_header(const unsigned char *head, size_t n, struct elf_info *e)
{
	Elf64_Ehdr h64;
	Elf32_Ehdr h32;

	if (n < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0)
		return false;
	if (head[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return false;
	if (head[EI_CLASS] == ELFCLASS64 && n >= sizeof(h64)) {
		memcpy(&h64, head, sizeof(h64));
		*e = (struct elf_info){ h64.e_phoff, h64.e_phnum, h64.e_phentsize, h64.e_type };
	} else if (head[EI_CLASS] == ELFCLASS32 && n >= sizeof(h32)) {
		memcpy(&h32, head, sizeof(h32));
		*e = (struct elf_info){ h32.e_phoff, h32.e_phnum, h32.e_phentsize, h32.e_type };
	} else {
		return false;
	}
	return (e->type == ET_EXEC || e->type == ET_DYN) && e->phnum > 0 && e->phnum != PN_XNUM &&
	       e->phentsize >= sizeof(uint32_t);
}

/* No PT_INTERP: the kernel starts the program itself and ld.so never runs. */
static bool elf_static(int fd, const struct elf_info *e)
{
	uint32_t type; /* p_type comes first in both classes */

	for (unsigned i = 0; i < e->phnum; i++) {
		if (pread(fd, &type, sizeof(type), (off_t)(e->phoff + (uint64_t)i * e->phentsize)) !=
		    (ssize_t)sizeof(type))
			return false;
		if (type == PT_INTERP)
			return false;
	}
	return true;
}

/* Splits a "#!" line as the kernel does: the interpreter, then the rest as one argument. */
static bool parse_shebang(char *head, char **interp, char **arg)
{
	char *end;
	size_t len;

	if (strncmp(head, "#!", 2) != 0)
		return false;
	head[strcspn(head, "\n")] = '\0';
	*interp = head + 2 + strspn(head + 2, " \t");
	end = *interp + strcspn(*interp, " \t");
	*arg = end + strspn(end, " \t");
	*end = '\0';
	len = strlen(*arg);
	while (len > 0 && strchr(" \t\r", (*arg)[len - 1]) != NULL)
		(*arg)[--len] = '\0';
	return **interp != '\0';
}

/* What "#!/usr/bin/env [-S] [NAME=VALUE]... PROG" runs: its first word that is neither. */
static const char *env_program(char *arg)
{
	char *save = NULL;

	for (char *w = strtok_r(arg, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save))
		if (*w != '-' && strchr(w, '=') == NULL)
			return w;
	return NULL;
}

/* A script runs its interpreter (its own set-ID bits are ignored); env(1) runs a program from PATH. */
static bool script_unproxied(char *head, int depth, struct finding *f)
{
	char *interp, *arg, prog[PATH_MAX];
	const char *base, *name;

	if (!parse_shebang(head, &interp, &arg))
		return false;
	if (unproxied(interp, depth + 1, f))
		return true;
	base = strrchr(interp, '/');
	if (strcmp(base != NULL ? base + 1 : interp, "env") != 0 || (name = env_program(arg)) == NULL)
		return false;
	return find_command(name, prog) && unproxied(prog, depth + 1, f);
}

/* An ELF file the loader will not preload into: secure execution, or no loader at all. */
static bool elf_unproxied(int fd, const char *path, const struct stat *st, const unsigned char *head,
			  size_t n, struct finding *f)
{
	struct elf_info e;

	if (!elf_header(head, n, &e))
		return false;
	if (!secure_exec(path, st, f)) {
		if (!elf_static(fd, &e))
			return false;
		snprintf(f->reason, sizeof(f->reason), "is statically linked");
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	return true;
}

static bool unproxied(const char *path, int depth, struct finding *f)
{
	char head[HEAD_MAX];
	struct stat st;
	ssize_t n;
	int fd;
	bool found;

	if (depth > MAX_DEPTH || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, head, sizeof(head) - 1);
	if (n < 0) {
		close(fd);
		return false;
	}
	head[n] = '\0';
	found = head[0] == '#' ? script_unproxied(head, depth, f)
			       : elf_unproxied(fd, path, &st, (unsigned char *)head, (size_t)n, f);
	close(fd);
	return found;
}

bool detect_unproxied(const char *cmd, char *why, size_t cap)
{
	char path[PATH_MAX];
	struct finding f;

	if (!find_command(cmd, path) || !unproxied(path, 0, &f))
		return false;
	if (strcmp(f.path, path) == 0)
		snprintf(why, cap, "%s will not be proxied: it %s", path, f.reason);
	else
		snprintf(why, cap, "%s will not be proxied: its interpreter %s %s", path, f.path,
			 f.reason);
	return true;
}
