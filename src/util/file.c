#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "real.h"

/* Room for the file as fstat sizes it, plus one byte to see it grew. */
static size_t first_capacity(int fd, size_t max)
{
	struct stat st;

	if (real_fstat(fd, &st) < 0 || st.st_size < 0 || (size_t)st.st_size >= max)
		return max;
	return (size_t)st.st_size + 1;
}

/* Reads to EOF into *text, growing it up to max bytes; 0 or an errno. */
static int read_to_end(int fd, char **text, size_t cap, size_t max, size_t *total)
{
	ssize_t n;

	for (;;) {
		if (*total == cap) {
			if (cap == max)
				return EFBIG;
			size_t more = cap > max / 2 ? max : 2 * cap;
			char *grown = realloc(*text, more + 1);
			if (grown == NULL)
				return ENOMEM;
			*text = grown;
			cap = more;
		}
		n = real()->read(fd, *text + *total, cap - *total);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return errno;
		if (n > 0)
			*total += (size_t)n;
	}
}

char *file_read_all(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap, total = 0;
	char *text;
	int err;

	if (fd < 0)
		return NULL;
	cap = first_capacity(fd, max);
	text = malloc(cap + 1);
	err = text == NULL ? ENOMEM : read_to_end(fd, &text, cap, max, &total);
	real()->close(fd);
	if (err != 0) {
		free(text);
		errno = err;
		return NULL;
	}
	text[total] = '\0';
	*len = total;
	return text;
}

bool file_error_transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM;
}

bool fd_identity(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (fd < 0 || real_fstat(fd, &st) < 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

bool fd_is(int fd, dev_t dev, ino_t ino)
{
	dev_t d;
	ino_t i;

	return fd_identity(fd, &d, &i) && d == dev && i == ino;
}
