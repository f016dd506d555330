/* store_int.h - what a backend needs from the store core. */
#ifndef SVCNET_STORE_INT_H
#define SVCNET_STORE_INT_H

#include "store/store.h"

/* Takes ownership of be; on failure be has been closed. */
int store_open_backend(store **out, void *be, const struct store_backend_ops *ops);

#endif
