/*
 * fuzz_proxymodel.c - libFuzzer target for the proxy's readers of Services
 * and EndpointSlices: the proxy runs against any API server, so any shape of
 * object may arrive. The input is a JSON array of objects; each is fed as a
 * Service and as an EndpointSlice, changes are taken and checked, a snapshot
 * is taken, and every object is deleted again, after which no port may be
 * left.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "proxy/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_take(pxm *m)
{
	struct pxm_changes ch;
	const struct pxm_svcport **all = NULL;
	size_t n = 0;

	if (pxm_take_changes(m, &ch) == 0) {
		for (size_t i = 0; i < ch.n; i++) {
			const struct pxm_svcport *sp = ch.v[i].cur;

			if (!sp)
				continue;
			for (int f = 0; f < 2; f++) {
				const struct pxm_family *fam = &sp->fam[f];

				if (fam->family && fam->ep_first + fam->n_eps > sp->n_eps)
					abort();
			}
		}
		pxm_changes_free(&ch);
	}
	if (pxm_snapshot(m, &all, &n) == 0) {
		if (n != pxm_size(m))
			abort();
		free(all);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pxm_config cfg = {.node_name = "node-1"};
	json_t *arr = json_loadb((const char *)data, size, 0, NULL), *o;
	pxm *m = NULL;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || pxm_new(&cfg, &m) < 0) {
		json_decref(arr);
		return 0;
	}
	json_array_foreach (arr, i, o) {
		pxm_service_set(m, o, 1000.0 + (double)i);
		pxm_slice_set(m, o, 1000.0 + (double)i);
		if (i % 3 == 2)
			fuzz_take(m);
	}
	fuzz_take(m);
	json_array_foreach (arr, i, o) {
		pxm_service_delete(m, o, 2000.0);
		pxm_slice_delete(m, o, 2000.0);
	}
	fuzz_take(m);
	if (pxm_size(m) != 0)
		abort();
	pxm_free(m);
	json_decref(arr);
	return 0;
}
