#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

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
