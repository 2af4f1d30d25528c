#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "real.h"

char *file_read_all(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text;
	size_t total = 0;
	ssize_t n = 0;
	int err;

	if (fd < 0)
		return NULL;
	text = malloc(max + 1);
	if (text == NULL) {
		real()->close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while (total < max && (n = real()->read(fd, text + total, max - total)) > 0)
		total += (size_t)n;
	err = n < 0 ? errno : total == max ? EFBIG : 0;
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
