/* test_net.c - address and CIDR parsing, formatting and arithmetic. */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "lib/net.h"

/* Parses s and formats it back; returns a static buffer or "ERR". */
static const char *net_t_roundtrip(const char *s)
{
	static char buf[NET_ADDR_STRLEN];
	net_addr a;

	if (net_addr_parse(s, &a) < 0 || net_addr_fmt(&a, buf, sizeof(buf)) < 0)
		return "ERR";
	return buf;
}

static const char *net_t_cidr(const char *s, int strict)
{
	static char buf[NET_CIDR_STRLEN];
	net_cidr c;

	if (net_cidr_parse(s, &c, strict) < 0 || net_cidr_fmt(&c, buf, sizeof(buf)) < 0)
		return "ERR";
	return buf;
}

static net_addr net_t_a(const char *s)
{
	net_addr a;

	memset(&a, 0, sizeof(a));
	if (net_addr_parse(s, &a) < 0)
		a.family = -1;
	return a;
}

static net_cidr net_t_c(const char *s)
{
	net_cidr c;

	memset(&c, 0, sizeof(c));
	if (net_cidr_parse(s, &c, 1) < 0)
		c.addr.family = -1;
	return c;
}

UNIT_TEST(net_v4_parse_fmt)
{
	static const char *ok[] = {"0.0.0.0", "255.255.255.255", "10.43.0.1", "1.2.3.4",
	                           "192.168.100.200"};
	static const char *bad[] = {
	    "010.1.1.1",  "1.2.3.04",   "00.1.1.1", "1.2.3",  "1.2.3.4.5", "256.1.1.1",
	    "1.2.3.4 ",   " 1.2.3.4",   "",         "1..2.3", "-1.2.3.4",  "0x1.2.3.4",
	    "1.2.3.4/32", "1.2.3.1000", "a.b.c.d",  "1.2.3.", ".1.2.3",    "1.2.3.4\n"};
	net_addr a;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK_STR(net_t_roundtrip(ok[i]), ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(net_addr_parse(bad[i], &a), -EINVAL);
	CHECK_INT(net_addr_parse(NULL, &a), -EINVAL);
	CHECK_INT(net_addr_parse("10.1.2.3", &a), 0);
	CHECK_INT(a.family, AF_INET);
	CHECK_INT(net_addr_v4(&a), 0x0a010203);
	for (int i = 4; i < 16; i++)
		CHECK_INT(a.a[i], 0);
}

UNIT_TEST(net_v6_parse_fmt)
{
	static const char *cases[][2] = {
	    {"::", "::"},
	    {"::1", "::1"},
	    {"2001:DB8::1", "2001:db8::1"},
	    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    /* tie: first run */
	    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero group stays */
	    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},                /* longest run */
	    {"fe80::", "fe80::"},
	    {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
	    {"::FFFF:0102:0304", "::ffff:1.2.3.4"},
	    {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
	    {"::1.2.3.4", "::102:304"},
	    {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
	    {"1:2:3:4:5:6::", "1:2:3:4:5:6::"},
	    {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
	    {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
	    {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
	    {"fd00:10:43::a", "fd00:10:43::a"},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	};
	static const char *bad[] = {"fe80::1%eth0",
	                            ":::",
	                            "1:2:3:4:5:6:7:8:9",
	                            "1::2::3",
	                            ":1::",
	                            "1:",
	                            ":1",
	                            "12345::",
	                            "1:2:3:4:5:6:7::8",
	                            "::ffff:01.2.3.4",
	                            "::1.2.3",
	                            "1:2:3:4:5:6:7:1.2.3.4",
	                            "::1.2.3.4:5",
	                            "g::1",
	                            "::1:",
	                            "[::1]",
	                            "1:2:3:4:5:6:7",
	                            " ::1",
	                            "::1 ",
	                            "1:2:3:4:5:6:7:8::",
	                            "::ffff:a.2.3.4"};
	net_addr a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(net_t_roundtrip(cases[i][0]), cases[i][1]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (net_addr_parse(bad[i], &a) != -EINVAL)
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		CHECK(!unit_failed_now());
	}
	CHECK_INT(net_str_family("::1"), AF_INET6);
	CHECK_INT(net_str_family("1.2.3.4"), AF_INET);
	CHECK_INT(net_str_family("1.2.3"), 0);
}

UNIT_TEST(net_fmt_buffer_and_mapped)
{
	net_addr a = net_t_a("2001:db8::1"), v4;
	char small[5], buf[NET_ADDR_STRLEN];

	CHECK_INT(net_addr_fmt(&a, small, sizeof(small)), -ENOSPC);
	CHECK_INT(net_addr_fmt(&a, buf, sizeof(buf)), 11);
	a = net_t_a("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	CHECK_INT(net_addr_fmt(&a, buf, sizeof(buf)) < NET_ADDR_STRLEN, 1);
	a = net_t_a("::ffff:10.0.0.1");
	CHECK_INT(net_addr_unmap(&a, &v4), 0);
	CHECK_INT(v4.family, AF_INET);
	CHECK_INT(net_addr_fmt(&v4, buf, sizeof(buf)), 8);
	CHECK_STR(buf, "10.0.0.1");
	a = net_t_a("::1");
	CHECK_INT(net_addr_unmap(&a, &v4), -EINVAL);
	a.family = 99;
	CHECK_INT(net_addr_fmt(&a, buf, sizeof(buf)), -EINVAL);
}

UNIT_TEST(net_cidr_parse_fmt)
{
	net_cidr c;

	CHECK_STR(net_t_cidr("10.43.0.0/16", 1), "10.43.0.0/16");
	CHECK_STR(net_t_cidr("10.43.0.1/16", 1), "ERR");
	CHECK_STR(net_t_cidr("10.43.0.1/16", 0), "10.43.0.0/16");
	CHECK_STR(net_t_cidr("10.43.7.255/21", 0), "10.43.0.0/21");
	CHECK_STR(net_t_cidr("0.0.0.0/0", 1), "0.0.0.0/0");
	CHECK_STR(net_t_cidr("1.2.3.4/32", 1), "1.2.3.4/32");
	CHECK_STR(net_t_cidr("::/0", 1), "::/0");
	CHECK_STR(net_t_cidr("::1/128", 1), "::1/128");
	CHECK_STR(net_t_cidr("FD00:10:43::/112", 1), "fd00:10:43::/112");
	CHECK_STR(net_t_cidr("fd00:10:43::1:0/112", 1), "fd00:10:43::1:0/112");
	CHECK_STR(net_t_cidr("fd00::1/64", 0), "fd00::/64");
	CHECK_STR(net_t_cidr("fd00::1/64", 1), "ERR");
	CHECK_STR(net_t_cidr("2001:db8::1:0:0:1/127", 0), "2001:db8:0:0:1::/127");
	static const char *bad[] = {"10.0.0.0/33", "10.0.0.0/",   "10.0.0.0",       "10.0.0.0/08",
	                            "10.0.0.0/-1", "10.0.0.0/+8", "2001:db8::/129", "/8",
	                            "10.0.0.0/8 ", "010.0.0.0/8", "10.0.0.0/8/8",   "::/1000",
	                            "fe80::%1/64", "10.0.0.0/ 8"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (net_cidr_parse(bad[i], &c, 0) != -EINVAL)
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		CHECK(!unit_failed_now());
	}
	CHECK_INT(net_cidr_make(&c, &(net_addr){.family = AF_INET}, 33), -EINVAL);
	CHECK_INT(net_cidr_make(&c, &(net_addr){.family = 0}, 0), -EINVAL);
}

UNIT_TEST(net_contains_edges)
{
	net_cidr all4 = net_t_c("0.0.0.0/0"), all6 = net_t_c("::/0");
	net_cidr h32 = net_t_c("10.0.0.5/32"), p31 = net_t_c("10.0.0.4/31");
	net_cidr h128 = net_t_c("fd00::5/128"), p127 = net_t_c("fd00::4/127");
	net_cidr p16 = net_t_c("10.43.0.0/16");
	net_addr x;

	x = net_t_a("255.255.255.255");
	CHECK(net_cidr_contains(&all4, &x));
	CHECK(!net_cidr_contains(&all6, &x));
	x = net_t_a("ffff::1");
	CHECK(net_cidr_contains(&all6, &x));
	CHECK(!net_cidr_contains(&all4, &x));
	x = net_t_a("10.0.0.5");
	CHECK(net_cidr_contains(&h32, &x));
	CHECK(net_cidr_contains(&p31, &x));
	x = net_t_a("10.0.0.4");
	CHECK(!net_cidr_contains(&h32, &x));
	CHECK(net_cidr_contains(&p31, &x));
	x = net_t_a("10.0.0.6");
	CHECK(!net_cidr_contains(&p31, &x));
	x = net_t_a("fd00::5");
	CHECK(net_cidr_contains(&h128, &x));
	CHECK(net_cidr_contains(&p127, &x));
	x = net_t_a("fd00::6");
	CHECK(!net_cidr_contains(&h128, &x));
	CHECK(!net_cidr_contains(&p127, &x));
	x = net_t_a("10.44.0.0");
	CHECK(!net_cidr_contains(&p16, &x));
	x = net_t_a("10.42.255.255");
	CHECK(!net_cidr_contains(&p16, &x));
	x = net_t_a("10.43.255.255");
	CHECK(net_cidr_contains(&p16, &x));
	/* An IPv4-mapped IPv6 address is IPv6 here. */
	x = net_t_a("::ffff:10.43.0.1");
	CHECK(!net_cidr_contains(&p16, &x));
}

UNIT_TEST(net_size_last)
{
	net_cidr c;
	net_addr l;
	char buf[NET_ADDR_STRLEN];

	c = net_t_c("0.0.0.0/0");
	CHECK(net_cidr_size(&c) == (uint64_t)1 << 32);
	c = net_t_c("1.2.3.4/32");
	CHECK_INT(net_cidr_size(&c), 1);
	c = net_t_c("1.2.3.4/31");
	CHECK_INT(net_cidr_size(&c), 2);
	c = net_t_c("10.43.0.0/16");
	CHECK_INT(net_cidr_size(&c), 65536);
	net_cidr_last(&c, &l);
	net_addr_fmt(&l, buf, sizeof(buf));
	CHECK_STR(buf, "10.43.255.255");
	c = net_t_c("::/0");
	CHECK(net_cidr_size(&c) == UINT64_MAX);
	net_cidr_last(&c, &l);
	net_addr_fmt(&l, buf, sizeof(buf));
	CHECK_STR(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	c = net_t_c("fd00::/64");
	CHECK(net_cidr_size(&c) == UINT64_MAX);
	c = net_t_c("fd00::/65");
	CHECK(net_cidr_size(&c) == (uint64_t)1 << 63);
	c = net_t_c("fd00::/127");
	CHECK_INT(net_cidr_size(&c), 2);
	c = net_t_c("fd00::/128");
	CHECK_INT(net_cidr_size(&c), 1);
	net_cidr_last(&c, &l);
	CHECK_INT(net_addr_cmp(&l, &c.addr), 0);
	c = net_t_c("fd00:10:43::/112");
	net_cidr_last(&c, &l);
	net_addr_fmt(&l, buf, sizeof(buf));
	CHECK_STR(buf, "fd00:10:43::ffff");
}

UNIT_TEST(net_offset_add)
{
	net_cidr c;
	net_addr a, r;
	uint64_t off;
	char buf[NET_ADDR_STRLEN];

	c = net_t_c("10.43.0.0/16");
	a = net_t_a("10.43.1.10");
	CHECK_INT(net_addr_offset(&c, &a, &off), 0);
	CHECK_INT(off, 266);
	a = net_t_a("10.44.0.0");
	CHECK_INT(net_addr_offset(&c, &a, &off), -ERANGE);
	a = net_t_a("::1");
	CHECK_INT(net_addr_offset(&c, &a, &off), -ERANGE);
	c = net_t_c("0.0.0.0/0");
	a = net_t_a("255.255.255.255");
	CHECK_INT(net_addr_offset(&c, &a, &off), 0);
	CHECK(off == UINT32_MAX);
	/* IPv6: fits while the high 64 bits agree. */
	c = net_t_c("::/0");
	a = net_t_a("::ffff:ffff:ffff:ffff");
	CHECK_INT(net_addr_offset(&c, &a, &off), 0);
	CHECK(off == UINT64_MAX);
	a = net_t_a("0:0:0:1::");
	CHECK_INT(net_addr_offset(&c, &a, &off), -ERANGE);
	c = net_t_c("fd00::/64");
	a = net_t_a("fd00::1:2");
	CHECK_INT(net_addr_offset(&c, &a, &off), 0);
	CHECK_INT(off, 0x10002);
	c = net_t_c("fd00::4/127");
	a = net_t_a("fd00::5");
	CHECK_INT(net_addr_offset(&c, &a, &off), 0);
	CHECK_INT(off, 1);

	a = net_t_a("255.255.255.254");
	CHECK_INT(net_addr_add(&a, 1, &r), 0);
	net_addr_fmt(&r, buf, sizeof(buf));
	CHECK_STR(buf, "255.255.255.255");
	CHECK_INT(net_addr_add(&r, 1, &r), -ERANGE);
	a = net_t_a("0.0.0.0");
	CHECK_INT(net_addr_add(&a, UINT32_MAX, &r), 0);
	CHECK(net_addr_v4(&r) == UINT32_MAX);
	CHECK_INT(net_addr_add(&a, (uint64_t)1 << 32, &r), -ERANGE);
	a = net_t_a("::ffff:ffff:ffff:ffff");
	CHECK_INT(net_addr_add(&a, 1, &r), 0);
	net_addr_fmt(&r, buf, sizeof(buf));
	CHECK_STR(buf, "0:0:0:1::");
	a = net_t_a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	CHECK_INT(net_addr_add(&a, 1, &r), 0);
	CHECK_INT(net_addr_add(&r, 1, &r), -ERANGE);
	CHECK_INT(net_addr_add(&a, UINT64_MAX, &r), -ERANGE);

	a = net_t_a("fd00::ffff:ffff:ffff:fff0");
	r = net_t_a("fd00:0:0:1::5");
	CHECK_INT(net_addr_diff(&a, &r, &off), 0);
	CHECK_INT(off, 0x15);
	CHECK_INT(net_addr_diff(&r, &a, &off), -ERANGE);
	r = net_t_a("fd00:0:0:2::5");
	CHECK_INT(net_addr_diff(&a, &r, &off), -ERANGE);
	a = net_t_a("10.0.0.1");
	r = net_t_a("10.0.1.0");
	CHECK_INT(net_addr_diff(&a, &r, &off), 0);
	CHECK_INT(off, 255);
	r = net_t_a("::1");
	CHECK_INT(net_addr_diff(&a, &r, &off), -ERANGE);
}

UNIT_TEST(net_overlaps_cmp)
{
	net_cidr a = net_t_c("10.0.0.0/8"), b = net_t_c("10.1.0.0/16"), c = net_t_c("10.0.0.0/16"),
	         d = net_t_c("::/0"), e = net_t_c("0.0.0.0/0");
	net_addr x, y;

	CHECK(net_cidr_overlaps(&a, &b));
	CHECK(net_cidr_overlaps(&b, &a));
	CHECK(!net_cidr_overlaps(&b, &c));
	CHECK(net_cidr_overlaps(&e, &b));
	CHECK(!net_cidr_overlaps(&d, &a));
	x = net_t_a("10.0.0.1");
	y = net_t_a("10.0.0.2");
	CHECK(net_addr_cmp(&x, &y) < 0);
	CHECK(net_addr_cmp(&y, &x) > 0);
	CHECK(net_addr_cmp(&x, &x) == 0);
	y = net_t_a("::");
	CHECK(net_addr_cmp(&x, &y) < 0); /* IPv4 sorts first */
	x = net_t_a("9.255.255.255");
	y = net_t_a("10.0.0.0");
	CHECK(net_addr_cmp(&x, &y) < 0);
}

UNIT_TEST(net_sockaddr_roundtrip)
{
	struct sockaddr_storage ss;
	socklen_t len;
	net_addr a = net_t_a("fd00::10"), b;
	int port = 0;

	CHECK_INT(net_addr_to_sockaddr(&a, 6443, &ss, &len), 0);
	CHECK_INT(len, sizeof(struct sockaddr_in6));
	CHECK_INT(net_addr_from_sockaddr((struct sockaddr *)&ss, &b, &port), 0);
	CHECK_INT(net_addr_cmp(&a, &b), 0);
	CHECK_INT(port, 6443);
	a = net_t_a("127.0.0.1");
	CHECK_INT(net_addr_to_sockaddr(&a, 80, &ss, &len), 0);
	CHECK_INT(len, sizeof(struct sockaddr_in));
	CHECK_INT(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(0x7f000001));
	CHECK_INT(net_addr_from_sockaddr((struct sockaddr *)&ss, &b, NULL), 0);
	CHECK_INT(net_addr_cmp(&a, &b), 0);
	CHECK_INT(net_addr_to_sockaddr(&a, 65536, &ss, &len), -EINVAL);
	ss.ss_family = AF_UNIX;
	CHECK_INT(net_addr_from_sockaddr((struct sockaddr *)&ss, &b, NULL), -EINVAL);
}

UNIT_TEST(net_hostport)
{
	char host[64];
	int port = 0;

	CHECK_INT(net_parse_hostport("1.2.3.4:6443", host, sizeof(host), &port), 0);
	CHECK_STR(host, "1.2.3.4");
	CHECK_INT(port, 6443);
	CHECK_INT(net_parse_hostport("[::1]:6443", host, sizeof(host), &port), 0);
	CHECK_STR(host, "::1");
	CHECK_INT(net_parse_hostport("[fd00::1:2]:1", host, sizeof(host), &port), 0);
	CHECK_STR(host, "fd00::1:2");
	CHECK_INT(port, 1);
	CHECK_INT(net_parse_hostport("localhost:65535", host, sizeof(host), &port), 0);
	CHECK_STR(host, "localhost");
	CHECK_INT(port, 65535);
	CHECK_INT(net_parse_hostport("kube-api.example.com:443", host, sizeof(host), &port), 0);
	CHECK_STR(host, "kube-api.example.com");

	static const char *bad[] = {
	    "1.2.3.4",      "1.2.3.4:0",        "1.2.3.4:65536",  "::1:6443",     "[::1]6443",
	    "[::1]",        "[fe80::1%eth0]:1", "1.2.3:80",       "[1.2.3.4]:80", ":80",
	    "host:",        "host:+1",          "-host:80",       "host-:80",     "a..b:80",
	    "host:80x",     "ho st:80",         "1.2.3.4:123456", "[::1]:",       "",
	    "010.1.1.1:80", "host:-1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (net_parse_hostport(bad[i], host, sizeof(host), &port) != -EINVAL)
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		CHECK(!unit_failed_now());
	}
	CHECK_INT(net_parse_hostport("[fd00::1:2]:1", host, 5, &port), -ENOSPC);
}
