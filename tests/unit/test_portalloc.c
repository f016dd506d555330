/* test_portalloc.c - node port range: bands, exhaustion, reference check. */
#include "unit.h"

#include <errno.h>

#include "controllers/portalloc.h"

UNIT_TEST(portalloc_default_range)
{
	portalloc *p = portalloc_new(30000, 32767);
	uint8_t seen[2768] = {0};
	int port, lo, hi;

	CHECK(p);
	portalloc_range(p, &lo, &hi);
	CHECK_INT(lo, 30000);
	CHECK_INT(hi, 32767);
	/* 2768 ports: band 2768/32 = 86, i.e. 30000-30085. */
	CHECK_INT(portalloc_static_size(p), 86);
	CHECK_INT(portalloc_free_count(p), 2768);
	portalloc_seed(p, 1);
	for (int i = 0; i < 2768; i++) {
		if (portalloc_allocate_next(p, &port) != 0 || port < 30000 || port > 32767 ||
		    seen[port - 30000] || (i < 2768 - 86 && port <= 30085) ||
		    (i >= 2768 - 86 && port > 30085)) {
			unit_fail(__FILE__, __LINE__, "allocation %d gave %d", i, port);
			return;
		}
		seen[port - 30000] = 1;
	}
	CHECK_INT(portalloc_used(p), 2768);
	CHECK_INT(portalloc_allocate_next(p, &port), -ENOSPC);
	CHECK_INT(portalloc_release(p, 31000), 0);
	CHECK_INT(portalloc_release(p, 31000), 0);
	CHECK(!portalloc_has(p, 31000));
	CHECK_INT(portalloc_allocate_next(p, &port), 0);
	CHECK_INT(port, 31000);
	portalloc_free(p);
	portalloc_free(NULL);
}

UNIT_TEST(portalloc_explicit)
{
	portalloc *p = portalloc_new(30000, 32767);
	int port;

	CHECK(p);
	CHECK_INT(portalloc_allocate(p, 30000), 0);
	CHECK_INT(portalloc_allocate(p, 30000), -EEXIST);
	CHECK(portalloc_has(p, 30000));
	CHECK_INT(portalloc_allocate(p, 32767), 0);
	CHECK_INT(portalloc_allocate(p, 29999), -ERANGE);
	CHECK_INT(portalloc_allocate(p, 32768), -ERANGE);
	CHECK_INT(portalloc_allocate(p, -1), -ERANGE);
	CHECK(!portalloc_has(p, 29999));
	CHECK_INT(portalloc_release(p, 12), 0);
	CHECK_INT(portalloc_used(p), 2);
	/* Dynamic allocations stay out of the band while there is room above it. */
	for (int i = 0; i < 500; i++) {
		CHECK_INT(portalloc_allocate_next(p, &port), 0);
		CHECK(port > 30085);
	}
	portalloc_free(p);
}

UNIT_TEST(portalloc_bounds)
{
	portalloc *p;
	int port;

	errno = 0;
	CHECK(!portalloc_new(0, 10));
	CHECK_INT(errno, EINVAL);
	CHECK(!portalloc_new(10, 5));
	CHECK(!portalloc_new(1, 65536));
	CHECK(!portalloc_new(-5, 10));
	p = portalloc_new(1, 65535);
	CHECK(p);
	CHECK_INT(portalloc_static_size(p), 128);
	CHECK_INT(portalloc_allocate(p, 65535), 0);
	CHECK_INT(portalloc_allocate(p, 1), 0);
	portalloc_free(p);
	p = portalloc_new(30000, 30000);
	CHECK(p);
	CHECK_INT(portalloc_static_size(p), 0);
	CHECK_INT(portalloc_allocate_next(p, &port), 0);
	CHECK_INT(port, 30000);
	CHECK_INT(portalloc_allocate_next(p, &port), -ENOSPC);
	portalloc_free(p);
	p = portalloc_new(100, 115); /* 16 ports: no band */
	CHECK(p);
	CHECK_INT(portalloc_static_size(p), 0);
	portalloc_free(p);
	p = portalloc_new(100, 116); /* 17 ports: band 16, one dynamic port */
	CHECK(p);
	CHECK_INT(portalloc_static_size(p), 16);
	CHECK_INT(portalloc_allocate_next(p, &port), 0);
	CHECK_INT(port, 116);
	CHECK_INT(portalloc_allocate_next(p, &port), 0);
	CHECK(port >= 100 && port < 116);
	portalloc_free(p);
	p = portalloc_new(1000, 1999); /* 1000/32 = 31 */
	CHECK(p);
	CHECK_INT(portalloc_static_size(p), 31);
	portalloc_free(p);
}

UNIT_TEST(portalloc_random_vs_reference)
{
	portalloc *p = portalloc_new(30000, 30999);
	uint8_t ref[1000] = {0};
	int used = 0;
	uint64_t rng = 777;

	CHECK(p);
	portalloc_seed(p, 3);
	for (int op = 0; op < 10000; op++) {
		int port, kind, rc;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		kind = (int)((rng >> 33) % 3);
		port = 29990 + (int)((rng >> 40) % 1020);
		if (kind == 0) {
			rc = portalloc_allocate(p, port);
			if (port < 30000 || port > 30999)
				CHECK_INT(rc, -ERANGE);
			else if (ref[port - 30000])
				CHECK_INT(rc, -EEXIST);
			else {
				CHECK_INT(rc, 0);
				ref[port - 30000] = 1;
				used++;
			}
		} else if (kind == 1) {
			rc = portalloc_allocate_next(p, &port);
			if (used == 1000) {
				CHECK_INT(rc, -ENOSPC);
				continue;
			}
			CHECK_INT(rc, 0);
			CHECK(port >= 30000 && port <= 30999 && !ref[port - 30000]);
			ref[port - 30000] = 1;
			used++;
		} else {
			CHECK_INT(portalloc_release(p, port), 0);
			if (port >= 30000 && port <= 30999 && ref[port - 30000]) {
				ref[port - 30000] = 0;
				used--;
			}
		}
		CHECK_INT(portalloc_used(p), used);
		CHECK_INT(portalloc_has(p, port),
		          port >= 30000 && port <= 30999 && ref[port - 30000]);
	}
	portalloc_free(p);
}
