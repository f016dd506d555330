/*
 * sysctl.h - kernel parameters through /proc/sys.
 *
 * Paths are relative to /proc/sys with '/' separators ("net/ipv4/ip_forward",
 * "net/ipv6/conf/eth0/accept_dad"), not the dotted form, because interface
 * names may contain dots. net/... parameters are per network namespace: they
 * act on the namespace of the calling thread at the time of the call.
 */
#ifndef SVCNET_SYSCTL_H
#define SVCNET_SYSCTL_H

#include <stddef.h>

/* Writes value. 0, -EINVAL for a malformed path (absolute, empty or "."/".."
 * components, control characters), or the errno of the write (-ENOENT for an
 * unknown parameter, -EINVAL for a value the kernel refuses). */
int sysctl_set(const char *path, const char *value);
/* Reads the value without its trailing newline into out. The length, or
 * -EINVAL, -ENOENT..., -ENOSPC when out is too small. */
int sysctl_get(const char *path, char *out, size_t outlen);

#endif
