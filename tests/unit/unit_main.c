/* unit_main.c - runner for the unit tier: `unit [substring]` runs matching tests. */
#include "unit.h"

#include <stdarg.h>
#include <stdlib.h>

#include "lib/log.h"

struct unit_case {
	const char *name;
	const char *file;
	unit_fn fn;
};

static struct unit_case unit_cases[1024];
static int unit_ncases;
static int unit_cur_failed;

void unit_register(const char *name, const char *file, unit_fn fn)
{
	if (unit_ncases < (int)(sizeof(unit_cases) / sizeof(unit_cases[0])))
		unit_cases[unit_ncases++] = (struct unit_case){name, file, fn};
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	unit_cur_failed = 1;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

int unit_failed_now(void)
{
	return unit_cur_failed;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	/* Code under test logs its errors on purpose; UNIT_VERBOSE=1 shows them. */
	if (!getenv("UNIT_VERBOSE"))
		log_set_level((enum log_level)(LOG_ERROR + 1));

	for (int i = 0; i < unit_ncases; i++) {
		struct unit_case *c = &unit_cases[i];

		if (filter && !strstr(c->name, filter) && !strstr(c->file, filter))
			continue;
		unit_cur_failed = 0;
		c->fn();
		if (unit_cur_failed) {
			printf("FAIL %s (%s)\n", c->name, c->file);
			failed++;
		} else {
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
