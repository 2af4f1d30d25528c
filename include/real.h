/*
 * The libc functions the hooks stand in front of, found with
 * dlsym(RTLD_NEXT). The first call of any hook resolves the whole set in
 * one go: later calls may run where dlsym is unsafe (signal handlers,
 * forked children of threaded programs), and must not be first.
 */
#ifndef SOCKSIFY_REAL_H
#define SOCKSIFY_REAL_H

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

struct real_fns {
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	pid_t (*fork)(void);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	long (*syscall)(long, ...);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	/* The res_* family: in libc since glibc 2.34, in libresolv before. */
	int (*res_query)(const char *, int, int, unsigned char *, int);
	int (*res_search)(const char *, int, int, unsigned char *, int);
	int (*res_querydomain)(const char *, const char *, int, int, unsigned char *, int);
	int (*res_send)(const unsigned char *, int, unsigned char *, int);
	int (*res_nquery)(res_state, const char *, int, int, unsigned char *, int);
	int (*res_nsearch)(res_state, const char *, int, int, unsigned char *, int);
	int (*res_nquerydomain)(res_state, const char *, const char *, int, int, unsigned char *, int);
	int (*res_nsend)(res_state, const unsigned char *, int, unsigned char *, int);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	void (*freeaddrinfo)(struct addrinfo *);
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t, struct hostent **,
				int *);
	struct hostent *(*gethostbyaddr)(const void *, socklen_t, int);
	int (*gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *, char *, size_t,
			       struct hostent **, int *);
};

extern struct real_fns real_fns;
extern atomic_int real_resolved;

void real_resolve(void);

/*
 * real_first_use, when the preload library defines it, run once: before
 * the library first keeps state (the configuration's first load) and
 * before a fork. A process that only ever passes calls through (a shell
 * running ls) registers nothing.
 */
void real_first_use(void);
void real_first_use_once(void);

static inline const struct real_fns *real(void)
{
	if (!atomic_load_explicit(&real_resolved, memory_order_acquire))
		real_resolve();
	return &real_fns;
}

/*
 * fstat(2) as a system call: glibc's fstat symbol carries a version of its
 * own (2.33) that ld.so would check at every process start.
 */
static inline int real_fstat(int fd, struct stat *st)
{
	return (int)real()->syscall(SYS_fstat, fd, st);
}

/* stat(2) likewise. */
static inline int real_stat(const char *path, struct stat *st)
{
	return (int)real()->syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
}

static inline ssize_t real_write(int fd, const void *buf, size_t len)
{
	return real()->write(fd, buf, len);
}

#endif
