#include "hash.h"

#include <string.h>

#define GOLDEN 0x9e3779b97f4a7c15u

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The last 1..8 bytes in one word; an overlap with bytes already hashed is fine: len is in the seed. */
static uint64_t tail(const unsigned char *p, size_t left, size_t len)
{
	if (len >= 8)
		return load64(p + left - 8);
	if (left >= 4)
		return load32(p) << 32 | load32(p + left - 4);
	return (uint64_t)p[0] << 16 | (uint64_t)p[left / 2] << 8 | p[left - 1];
}

uint64_t hash_bytes(const void *key, size_t len, uint64_t seed, uint64_t fold)
{
	const unsigned char *p = key;
	uint64_t h = seed ^ (len * GOLDEN);
	size_t left = len;

	for (; left > 8; p += 8, left -= 8) {
		h = (h ^ (load64(p) | fold)) * GOLDEN;
		h ^= h >> 32;
	}
	if (len > 0)
		h ^= tail(p, left, len) | fold;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebu;
	h ^= h >> 31;
	return h;
}
