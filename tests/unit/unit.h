/*
 * unit.h - the smallest test harness that does the job.
 *
 * Every test file under tests/unit defines tests with UNIT_TEST(name) { ... }; they
 * register themselves at load time, so adding a file needs no list to edit.
 * The runner (unit_main.c) prints one line per failure and ends with the
 * closing line "N passed, N failed" that CI reads.
 */
#ifndef SVCNET_UNIT_H
#define SVCNET_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);

void unit_register(const char *name, const char *file, unit_fn fn);
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int unit_failed_now(void);

#define UNIT_TEST(name)                                                                            \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void name##_register(void)                             \
	{                                                                                          \
		unit_register(#name, __FILE__, name);                                              \
	}                                                                                          \
	static void name(void)

/* A failed check ends the current test (return), as in most xUnit tools. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			unit_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);   \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			unit_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,        \
			          a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#endif
