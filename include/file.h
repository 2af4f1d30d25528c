/* Reading a small file whole, without stdio and without a shared buffer. */
#ifndef SOCKSIFY_FILE_H
#define SOCKSIFY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The file's bytes in a malloc'd buffer with a NUL after them, or NULL with
 * errno set (EFBIG when it holds max bytes or more). *len gets the size.
 */
char *file_read_all(const char *path, size_t max, size_t *len);

/* An errno that says "not now" (no fd, no memory) rather than "never". */
bool file_error_transient(int err);

/*
 * A library-owned fd's identity, recorded when it is made and checked
 * before each use: the program may have closed or replaced that number.
 */
bool fd_identity(int fd, dev_t *dev, ino_t *ino);
bool fd_is(int fd, dev_t dev, ino_t ino);

#endif
