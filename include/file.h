/* Reading a small file whole, without stdio and without a shared buffer. */
#ifndef SOCKSIFY_FILE_H
#define SOCKSIFY_FILE_H

#include <stddef.h>

/*
 * The file's bytes in a malloc'd buffer with a NUL after them, or NULL with
 * errno set (EFBIG when it holds max bytes or more). *len gets the size.
 */
char *file_read_all(const char *path, size_t max, size_t *len);

#endif
