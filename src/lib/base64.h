/*
 * base64.h - RFC 4648 base64 (standard alphabet) for kubeconfig data fields
 * and Secret values.
 *
 * OpenSSL's EVP_DecodeBlock pads its output with zero bytes and reports the
 * padded length, so it cannot round-trip binary data without extra guessing;
 * a table-driven codec of our own is shorter than the workaround.
 */
#ifndef SVCNET_BASE64_H
#define SVCNET_BASE64_H

#include <stddef.h>

/* Bytes needed for base64_encode's output of n input bytes, NUL included. */
size_t base64_encoded_size(size_t n);

/* Writes the padded encoding of in[0..n) plus a NUL to out, which holds at
 * least base64_encoded_size(n) bytes. Returns the length without the NUL. */
size_t base64_encode(const void *in, size_t n, char *out);

/* Encodes into a new NUL-terminated string; NULL on allocation failure. */
char *base64_encode_alloc(const void *in, size_t n);

/*
 * Decodes in[0..n). ASCII whitespace anywhere is skipped (PEM-style and YAML
 * folded input); padding is optional but, when present, must be correct.
 * On success *out is a new allocation holding *outlen bytes plus a NUL (so
 * decoded text can be used as a C string) and 0 is returned; otherwise
 * -EINVAL for malformed input or -ENOMEM, and *out is NULL.
 */
int base64_decode(const char *in, size_t n, unsigned char **out, size_t *outlen);

#endif
