/*
 * fork_threads NAME TCP_PORT UDP_PORT THREADS FORKS: fork from a thread
 * while other threads connect and resolve (tests/bats/processes.bats).
 *
 * THREADS threads loop until told to stop: resolve a fresh name
 * ("tN-I.fork.example.test", a new placeholder each time), then a TCP echo
 * by NAME, then every 4th round a UDP echo by NAME. From the start (no
 * warm-up: the first fork may meet a thread loading the configuration) one
 * more thread forks FORKS times, one child at a time; each child, without
 * exec, resolves a fresh name, does a TCP echo and a UDP echo by NAME and
 * _exits with the number of failed steps. A child that has not exited
 * within 15 s is a hang: it is killed (SIGKILL, by its PID) and counted.
 *
 * Prints
 *   forks F ok O failed X hung H
 *   thread-rounds R failures E
 *   first-thread-failure ERRNAME    (only when E > 0)
 * and exits 0 when every child and every round succeeded.
 */
#include "sxtest.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

static const char *name;
static int tcp_port, udp_port;
static atomic_bool stop;
static atomic_long rounds, failures;
static atomic_int first_failure;

static int fresh_name(const char *who, long i)
{
	char host[128];
	struct sockaddr_in a;

	snprintf(host, sizeof(host), "%s-%ld.fork.example.test", who, i);
	return sx_resolve(host, 80, SOCK_STREAM, &a, NULL) == 0 ? 0 : -1;
}

static void failed(void)
{
	int zero = 0;

	atomic_fetch_add(&failures, 1);
	atomic_compare_exchange_strong(&first_failure, &zero, errno ? errno : EIO);
}

static void *worker(void *arg)
{
	char who[32];
	long id = (long)arg;

	snprintf(who, sizeof(who), "t%ld", id);
	for (long i = 0; !atomic_load(&stop); i++) {
		if (fresh_name(who, i) != 0)
			failed();
		if (sx_tcp_echo_name(name, tcp_port, "thread tcp\n") != 0)
			failed();
		if (i % 4 == 0 && sx_udp_echo_name(name, udp_port, "thread udp") != 0)
			failed();
		atomic_fetch_add(&rounds, 1);
	}
	return NULL;
}

static int child(long i)
{
	char who[32];
	int fails = 0;

	snprintf(who, sizeof(who), "c%ld", i);
	fails += fresh_name(who, 0) != 0;
	fails += sx_tcp_echo_name(name, tcp_port, "child tcp\n") != 0;
	fails += sx_udp_echo_name(name, udp_port, "child udp") != 0;
	return fails;
}

/* 1 exited 0, 0 exited otherwise, -1 hung (killed). */
static int reap(pid_t pid)
{
	int rc = sx_wait_until(pid, sx_now_ms() + 15000);

	return rc == 0 ? 1 : rc == 124 ? -1 : 0;
}

struct fork_result {
	long forks, ok, failed, hung;
};

static void *forker(void *arg)
{
	struct fork_result *res = arg;

	for (long i = 0; i < res->forks; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(child(i));
		if (pid < 0) {
			res->failed++;
			continue;
		}
		switch (reap(pid)) {
		case 1: res->ok++; break;
		case 0: res->failed++; break;
		default: res->hung++; break;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct fork_result res = { 0 };
	pthread_t *threads, fthread;
	long nthreads;

	if (argc != 6) {
		fprintf(stderr, "usage: %s NAME TCP_PORT UDP_PORT THREADS FORKS\n", argv[0]);
		return 2;
	}
	name = argv[1];
	tcp_port = atoi(argv[2]);
	udp_port = atoi(argv[3]);
	nthreads = atol(argv[4]);
	res.forks = atol(argv[5]);
	threads = calloc((size_t)nthreads, sizeof(*threads));
	if (threads == NULL)
		return 2;
	for (long i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, worker, (void *)i) != 0)
			return 2;
	if (pthread_create(&fthread, NULL, forker, &res) != 0)
		return 2;
	pthread_join(fthread, NULL);
	atomic_store(&stop, true);
	for (long i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	printf("forks %ld ok %ld failed %ld hung %ld\n", res.forks, res.ok, res.failed, res.hung);
	printf("thread-rounds %ld failures %ld\n", atomic_load(&rounds), atomic_load(&failures));
	if (atomic_load(&failures) > 0)
		printf("first-thread-failure %s\n", sx_errname(atomic_load(&first_failure)));
	return res.ok == res.forks && atomic_load(&failures) == 0 ? 0 : 1;
}
