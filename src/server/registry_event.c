/* registry_event.c - core/v1 Events written by the control plane itself. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "server/registry.h"
#include "server/rest.h"

void registry_event(struct apiserver *as, const json_t *obj, const char *type, const char *reason,
                    const char *message)
{
	json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	char evname[300], key[600], now[32];
	struct timespec ts;
	json_t *ev;

	if (!name)
		return;
	if (!ns || !ns[0])
		ns = "default";
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Like the real recorder: <object>.<unique hex suffix>. */
	snprintf(evname, sizeof(evname), "%.200s.%" PRIx64, name,
	         (uint64_t)((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec));
	rest_now(now, sizeof(now));
	ev = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:O*,s:O*,s:s,s:s,s:O*},s:s,s:s,s:s,s:{s:s},"
	               "s:s,s:s,s:i,s:s}",
	               "kind", "Event", "apiVersion", "v1", "metadata", "name", evname, "namespace",
	               ns, "involvedObject", "kind", json_object_get(obj, "kind"), "apiVersion",
	               json_object_get(obj, "apiVersion"), "namespace", ns, "name", name, "uid",
	               json_object_get(md, "uid"), "reason", reason, "message", message, "type",
	               type, "source", "component", "svcnet-controller", "firstTimestamp", now,
	               "lastTimestamp", now, "count", 1, "reportingComponent", "svcnet-controller");
	if (!ev)
		return;
	if (store_key(key, sizeof(key), "events", ns, evname) == 0 &&
	    store_put(as->st, key, ev, 1, 0, NULL) < 0)
		log_warn("registry", "could not record event %s", evname);
	json_decref(ev);
}
