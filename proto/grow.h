/* proto/grow.h - a growing array: the one helper every buffer of records,
 * rows or text that grows with its input uses (import, fetch, rank).
 *
 * Decides: capacity doubles from 256 elements; a size that would overflow
 * size_t is refused like a failed allocation. Never: frees on failure (the
 * caller still owns *p). */
#ifndef PMC_GROW_H
#define PMC_GROW_H

#include <stddef.h>

/* Make room for `need` elements of `elem` bytes at *p (capacity *cap, in
 * elements). 0, or -1 when memory ran out or the size overflows. */
int pmc_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
