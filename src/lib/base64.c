/* base64.c - RFC 4648 base64, standard alphabet. */
#include "lib/base64.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_size(size_t n)
{
	return (n + 2) / 3 * 4 + 1;
}

size_t base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t o = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = base64_alphabet[v >> 6 & 63];
		out[o++] = base64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = base64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

char *base64_encode_alloc(const void *in, size_t n)
{
	char *out;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc(base64_encoded_size(n));
	if (out)
		base64_encode(in, n, out);
	return out;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int base64_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int base64_decode(const char *in, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *dst;
	uint32_t acc = 0;
	size_t o = 0, pad = 0, digits = 0;

	*out = NULL;
	*outlen = 0;
	/* Every 4 digits give 3 bytes, so n/4*3 + 3 bounds the output. */
	dst = malloc(n / 4 * 3 + 4);
	if (!dst)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (base64_is_space(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		/* Data after padding means two encodings glued together or garbage. */
		if (pad)
			goto bad;
		v = base64_value(c);
		if (v < 0)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++digits % 4 == 0) {
			dst[o++] = (unsigned char)(acc >> 16);
			dst[o++] = (unsigned char)(acc >> 8);
			dst[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	switch (digits % 4) {
	case 0:
		if (pad)
			goto bad;
		break;
	case 1:
		/* One digit carries 6 bits: not even a byte. */
		goto bad;
	case 2:
		if (pad && pad != 2)
			goto bad;
		dst[o++] = (unsigned char)(acc >> 4);
		break;
	case 3:
		if (pad && pad != 1)
			goto bad;
		dst[o++] = (unsigned char)(acc >> 10);
		dst[o++] = (unsigned char)(acc >> 2);
		break;
	}
	dst[o] = '\0';
	*out = dst;
	*outlen = o;
	return 0;
bad:
	free(dst);
	return -EINVAL;
}
