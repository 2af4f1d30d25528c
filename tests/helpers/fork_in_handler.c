/*
 * fork_in_handler: another library's fork handler makes the process's
 * first call of a hooked function (a write), during a fork that does not
 * go through the fork symbol (daemon() forks inside libc): nothing the
 * library does there may wait on glibc's fork lock. Prints "prepare" from
 * the handler and "done" once daemon() returned.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void prepare(void)
{
	(void)!write(1, "prepare\n", 8);
}

int main(void)
{
	if (pthread_atfork(prepare, NULL, NULL) != 0)
		return 2;
	/* daemon(nochdir, noclose): the parent exits, the child goes on */
	if (daemon(1, 1) != 0)
		return 1;
	(void)!write(1, "done\n", 5);
	return 0;
}
