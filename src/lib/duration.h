/* duration.h - Go-style durations for command-line flags. */
#ifndef SVCNET_DURATION_H
#define SVCNET_DURATION_H

/* "250ms", "1s", "1.5s", "2m", "1h", "0" -> milliseconds, as Go's
 * time.ParseDuration reads them (kube-proxy's flags are Go durations);
 * -1 for anything else or a negative value. */
long long duration_parse_ms(const char *s);

/* For flag parsing: *out = the duration of v in ms when it is one within
 * [min_ms, 1 day]; else prints "svcnet <cmd>: <flag> <v>: ..." to stderr and
 * returns -1. */
int duration_flag(const char *cmd, const char *flag, const char *v, long long min_ms, int *out);

#endif
