/* For the hook files only: the libc names this library defines. */
#ifndef SOCKSIFY_HOOK_H
#define SOCKSIFY_HOOK_H

#define HOOK __attribute__((visibility("default")))

#endif
