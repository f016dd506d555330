/*
 * log.h - one line per event to stderr, with a level and a module tag.
 *
 *   2026-11-24T16:20:00.123Z INFO  server: listening on 127.0.0.1:6443
 *
 * The level is set once at start (--v / SVCNET_LOG=debug); messages under it
 * cost one comparison.
 */
#ifndef SVCNET_LOG_H
#define SVCNET_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

extern enum log_level log_min_level;

void log_set_level(enum log_level lvl);
/* Parses "debug", "info", "warn", "error"; returns -1 on an unknown name. */
int log_parse_level(const char *s);
void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(mod, ...)                                                                        \
	do {                                                                                       \
		if (log_min_level <= LOG_DEBUG)                                                    \
			log_msg(LOG_DEBUG, mod, __VA_ARGS__);                                      \
	} while (0)
#define log_info(mod, ...)  log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)

#endif
