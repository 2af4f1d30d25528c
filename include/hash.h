/*
 * One hash for the library's in-memory tables (the fake-DNS table's
 * names, the /etc/hosts name index): eight bytes a step, the last eight
 * (or fewer) read in one piece, then splitmix64's finaliser.
 */
#ifndef SOCKSIFY_HASH_H
#define SOCKSIFY_HASH_H

#include <stddef.h>
#include <stdint.h>

/* OR-ed into every byte hashed: ASCII letters then hash without their case. */
#define HASH_FOLD_CASE 0x2020202020202020u

/*
 * The hash of len bytes at key. seed varies it (a table seeded per process
 * tree resists names chosen to collide); fold is 0, or HASH_FOLD_CASE.
 */
uint64_t hash_bytes(const void *key, size_t len, uint64_t seed, uint64_t fold);

#endif
