/*
 * test_vec.c - lib/vec: room by doubling, contents kept, overflow refused.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/vec.h"

UNIT_TEST(vec_grow_doubles_and_keeps)
{
	int *v = NULL, *p;
	size_t cap = 0, n = 0;

	for (int i = 0; i < 1000; i++) {
		p = vec_grow(v, &cap, n, 1, sizeof(*v));
		CHECK(p != NULL);
		if (!p)
			break;
		v = p;
		v[n++] = i;
	}
	CHECK(cap >= 1000 && cap < 2048);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(v[i], (int)i);
	/* room already there: the same array */
	CHECK(vec_grow(v, &cap, 10, 5, sizeof(*v)) == v);
	/* n at once, far past the doubling */
	p = vec_grow(v, &cap, n, 5000, sizeof(*v));
	CHECK(p != NULL && cap >= 6000);
	v = p ? p : v;
	/* too many: refused, the array stays */
	CHECK(vec_grow(v, &cap, SIZE_MAX - 1, 2, sizeof(*v)) == NULL);
	CHECK(vec_grow(v, &cap, n, SIZE_MAX / 2, sizeof(*v)) == NULL);
	CHECK_INT(v[999], 999);
	free(v);
}
