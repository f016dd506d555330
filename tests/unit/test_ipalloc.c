/* test_ipalloc.c - cluster IP bitmap: usable range, bands, exhaustion. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "controllers/ipalloc.h"

static ipalloc *ipa_t_new(const char *cidr)
{
	net_cidr c;

	if (net_cidr_parse(cidr, &c, 0) < 0)
		return NULL;
	return ipalloc_new(&c);
}

static net_addr ipa_t_a(const char *s)
{
	net_addr a;

	memset(&a, 0, sizeof(a));
	net_addr_parse(s, &a);
	return a;
}

static const char *ipa_t_fmt(const net_addr *a)
{
	static char buf[NET_ADDR_STRLEN];

	net_addr_fmt(a, buf, sizeof(buf));
	return buf;
}

UNIT_TEST(ipalloc_v4_slash16)
{
	ipalloc *a = ipa_t_new("10.43.0.0/16");
	net_addr x;

	CHECK(a);
	CHECK_INT(ipalloc_size(a), 65534);
	CHECK_INT(ipalloc_free_count(a), 65534);
	CHECK_INT(ipalloc_used(a), 0);
	CHECK_INT(ipalloc_static_size(a), 256);
	CHECK_INT(ipalloc_nth(a, 1, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "10.43.0.1");
	CHECK_INT(ipalloc_nth(a, 10, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "10.43.0.10");
	CHECK_INT(ipalloc_nth(a, 65535, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "10.43.255.255");
	CHECK_INT(ipalloc_nth(a, 65536, &x), -ERANGE);
	CHECK_INT(ipalloc_nth(a, UINT64_MAX, &x), -ERANGE);

	/* The kubernetes and DNS Services' explicit requests sit in the static band. */
	x = ipa_t_a("10.43.0.1");
	CHECK_INT(ipalloc_allocate(a, &x), 0);
	CHECK_INT(ipalloc_allocate(a, &x), -EEXIST);
	CHECK(ipalloc_has(a, &x));
	x = ipa_t_a("10.43.0.10");
	CHECK_INT(ipalloc_allocate(a, &x), 0);
	CHECK_INT(ipalloc_used(a), 2);
	x = ipa_t_a("10.43.0.0");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	x = ipa_t_a("10.43.255.255");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	x = ipa_t_a("10.43.255.254");
	CHECK_INT(ipalloc_allocate(a, &x), 0);
	x = ipa_t_a("10.44.0.1");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	CHECK(!ipalloc_has(a, &x));
	x = ipa_t_a("::ffff:10.43.0.2");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	CHECK_INT(ipalloc_allocate(a, NULL), -ERANGE);
	CHECK_STR(ipa_t_fmt(&ipalloc_cidr(a)->addr), "10.43.0.0");
	CHECK_INT(ipalloc_cidr(a)->prefix, 16);
	ipalloc_free(a);
	ipalloc_free(NULL);
}

/* Fills a whole /16: every usable address exactly once, the dynamic band
 * before any of the static one, then -ENOSPC; a released address comes back. */
UNIT_TEST(ipalloc_fill_bands)
{
	ipalloc *a = ipa_t_new("10.43.0.0/16");
	net_cidr c;
	uint8_t *seen = calloc(65536, 1);
	net_addr x;
	uint64_t off;

	CHECK(a && seen);
	net_cidr_parse("10.43.0.0/16", &c, 1);
	ipalloc_seed(a, 42);
	for (int i = 0; i < 65534; i++) {
		if (ipalloc_allocate_next(a, &x) != 0 || net_addr_offset(&c, &x, &off) != 0 ||
		    off == 0 || off == 65535 || seen[off]) {
			unit_fail(__FILE__, __LINE__, "allocation %d gave %s", i, ipa_t_fmt(&x));
			break;
		}
		seen[off] = 1;
		/* Static band = offsets 1..256: untouched until the rest is full. */
		if (i < 65534 - 256 && off <= 256) {
			unit_fail(__FILE__, __LINE__, "allocation %d took static %s", i,
			          ipa_t_fmt(&x));
			break;
		}
		if (i >= 65534 - 256 && off > 256) {
			unit_fail(__FILE__, __LINE__, "allocation %d: %s", i, ipa_t_fmt(&x));
			break;
		}
	}
	free(seen);
	CHECK(!unit_failed_now());
	CHECK_INT(ipalloc_free_count(a), 0);
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	x = ipa_t_a("10.43.7.7");
	CHECK_INT(ipalloc_allocate(a, &x), -EEXIST);
	CHECK_INT(ipalloc_release(a, &x), 0);
	CHECK_INT(ipalloc_release(a, &x), 0); /* idempotent */
	CHECK_INT(ipalloc_used(a), 65533);
	CHECK_INT(ipalloc_allocate_next(a, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "10.43.7.7");
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	x = ipa_t_a(
	    "10.43.0.5"); /* static band: reachable by allocate_next once the rest is full */
	ipalloc_release(a, &x);
	CHECK_INT(ipalloc_allocate_next(a, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "10.43.0.5");
	x = ipa_t_a("192.168.0.1");
	CHECK_INT(ipalloc_release(a, &x), 0); /* foreign: no-op */
	ipalloc_free(a);
}

UNIT_TEST(ipalloc_small_ranges)
{
	ipalloc *a;
	net_addr x;
	int seen[32] = {0};

	/* /27: 30 usable, band 16 (.1-.16), dynamic .17-.30. */
	a = ipa_t_new("192.168.5.0/27");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 30);
	CHECK_INT(ipalloc_static_size(a), 16);
	ipalloc_seed(a, 7);
	for (int i = 0; i < 30; i++) {
		CHECK_INT(ipalloc_allocate_next(a, &x), 0);
		int last = x.a[3];
		CHECK(last >= 1 && last <= 30 && !seen[last]);
		seen[last] = 1;
		CHECK(i < 14 ? last > 16 : last <= 16);
	}
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	ipalloc_free(a);

	/* /28 has 16 addresses: no band (Kubernetes' cidrSize <= 16). */
	a = ipa_t_new("192.168.5.0/28");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 14);
	CHECK_INT(ipalloc_static_size(a), 0);
	ipalloc_free(a);

	/* /31, /32: nothing usable, but a valid (empty) allocator. */
	a = ipa_t_new("192.168.5.0/31");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 0);
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	x = ipa_t_a("192.168.5.1");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	ipalloc_free(a);
	a = ipa_t_new("192.168.5.1/32");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 0);
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	ipalloc_free(a);

	/* /30: .1 and .2. */
	a = ipa_t_new("192.168.5.4/30");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 2);
	CHECK_INT(ipalloc_allocate_next(a, &x), 0);
	CHECK_INT(ipalloc_allocate_next(a, &x), 0);
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	ipalloc_free(a);
}

UNIT_TEST(ipalloc_v6)
{
	ipalloc *a = ipa_t_new("fd00:10:43::/112");
	net_addr x;
	uint8_t *seen = calloc(65536, 1);
	uint64_t off;

	CHECK(a && seen);
	/* No broadcast in IPv6: only the network (subnet-router anycast) goes. */
	CHECK_INT(ipalloc_size(a), 65535);
	CHECK_INT(ipalloc_static_size(a), 256);
	x = ipa_t_a("fd00:10:43::");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	x = ipa_t_a("fd00:10:43::ffff");
	CHECK_INT(ipalloc_allocate(a, &x), 0);
	x = ipa_t_a("fd00:10:43::1:0");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	x = ipa_t_a("10.43.0.1");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	CHECK_INT(ipalloc_nth(a, 10, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "fd00:10:43::a");
	for (int i = 0; i < 65534; i++) {
		if (ipalloc_allocate_next(a, &x) != 0 ||
		    net_addr_offset(ipalloc_cidr(a), &x, &off) != 0 || off == 0 || off == 65535 ||
		    seen[off]) {
			unit_fail(__FILE__, __LINE__, "allocation %d gave %s", i, ipa_t_fmt(&x));
			break;
		}
		seen[off] = 1;
	}
	free(seen);
	CHECK(!unit_failed_now());
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	ipalloc_free(a);

	/* /108 is the widest IPv6 range kube-apiserver takes; the bitmap holds
	 * the first 65535 addresses after the network address. */
	a = ipa_t_new("fd00:10:43::/108");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 65535);
	x = ipa_t_a("fd00:10:43::ffff");
	CHECK_INT(ipalloc_allocate(a, &x), 0);
	x = ipa_t_a("fd00:10:43::1:0");
	CHECK_INT(ipalloc_allocate(a, &x), -ERANGE);
	ipalloc_free(a);

	a = ipa_t_new("fd00::5/128");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 0);
	ipalloc_free(a);
	a = ipa_t_new("fd00::4/127");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), 1);
	CHECK_INT(ipalloc_allocate_next(a, &x), 0);
	CHECK_STR(ipa_t_fmt(&x), "fd00::5");
	CHECK_INT(ipalloc_allocate_next(a, &x), -ENOSPC);
	ipalloc_free(a);
}

UNIT_TEST(ipalloc_limits)
{
	ipalloc *a;
	net_cidr c;

	errno = 0;
	CHECK(!ipa_t_new("10.0.0.0/11"));
	CHECK_INT(errno, E2BIG);
	CHECK(!ipa_t_new("fd00::/107"));
	CHECK_INT(errno, E2BIG);
	CHECK(!ipa_t_new("fd00::/64"));
	CHECK_INT(errno, E2BIG);
	a = ipa_t_new("10.0.0.0/12");
	CHECK(a);
	CHECK_INT(ipalloc_size(a), (1 << 20) - 2);
	CHECK_INT(ipalloc_static_size(a), 256);
	ipalloc_free(a);

	memset(&c, 0, sizeof(c));
	c.addr.family = AF_UNIX;
	CHECK(!ipalloc_new(&c));
	CHECK_INT(errno, EINVAL);
	c.addr.family = AF_INET;
	c.prefix = 33;
	CHECK(!ipalloc_new(&c));
	CHECK_INT(errno, EINVAL);
	CHECK(!ipalloc_new(NULL));

	/* Host bits are ignored, as Go's ParseCIDR does. */
	net_cidr_parse("10.43.9.9/16", &c, 0);
	c.addr.a[3] = 9;
	a = ipalloc_new(&c);
	CHECK(a);
	CHECK_INT(ipalloc_cidr(a)->addr.a[3], 0);
	ipalloc_free(a);
}

/* 10,000 random allocate/allocate_next/release operations on a /22,
 * checked against a plain array. */
UNIT_TEST(ipalloc_random_vs_reference)
{
	ipalloc *a = ipa_t_new("10.96.0.0/22");
	uint8_t ref[1024] = {0};
	uint64_t used = 0, rng = 12345;
	net_cidr c;

	CHECK(a);
	net_cidr_parse("10.96.0.0/22", &c, 1);
	ipalloc_seed(a, 99);
	for (int op = 0; op < 10000; op++) {
		net_addr x;
		uint64_t off;
		int rc, kind;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		kind = (int)((rng >> 33) % 3);
		off = (rng >> 40) % 1024;
		net_addr_add(&c.addr, off, &x);
		if (kind == 0) {
			rc = ipalloc_allocate(a, &x);
			if (off == 0 || off == 1023)
				CHECK_INT(rc, -ERANGE);
			else if (ref[off])
				CHECK_INT(rc, -EEXIST);
			else {
				CHECK_INT(rc, 0);
				ref[off] = 1;
				used++;
			}
		} else if (kind == 1) {
			rc = ipalloc_allocate_next(a, &x);
			if (used == 1022) {
				CHECK_INT(rc, -ENOSPC);
				continue;
			}
			CHECK_INT(rc, 0);
			CHECK_INT(net_addr_offset(&c, &x, &off), 0);
			CHECK(off >= 1 && off <= 1022 && !ref[off]);
			ref[off] = 1;
			used++;
		} else {
			CHECK_INT(ipalloc_release(a, &x), 0);
			if (ref[off]) {
				ref[off] = 0;
				used--;
			}
		}
		CHECK_INT(ipalloc_has(a, &x), ref[off]);
		CHECK_INT(ipalloc_used(a), used);
	}
	for (uint64_t off = 0; off < 1024; off++) {
		net_addr x;

		net_addr_add(&c.addr, off, &x);
		CHECK_INT(ipalloc_has(a, &x), ref[off]);
	}
	ipalloc_free(a);
}

UNIT_TEST(ipalloc_seed_reproducible)
{
	ipalloc *a = ipa_t_new("10.43.0.0/16"), *b = ipa_t_new("10.43.0.0/16");
	net_addr x, y;
	int differ = 0;

	CHECK(a && b);
	ipalloc_seed(a, 5);
	ipalloc_seed(b, 5);
	for (int i = 0; i < 100; i++) {
		CHECK_INT(ipalloc_allocate_next(a, &x), 0);
		CHECK_INT(ipalloc_allocate_next(b, &y), 0);
		CHECK_INT(net_addr_cmp(&x, &y), 0);
	}
	ipalloc_seed(b, 6);
	for (int i = 0; i < 10; i++) {
		ipalloc_allocate_next(a, &x);
		ipalloc_allocate_next(b, &y);
		differ |= net_addr_cmp(&x, &y) != 0;
	}
	CHECK(differ);
	ipalloc_free(a);
	ipalloc_free(b);
}
