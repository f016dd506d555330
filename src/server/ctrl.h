/* ctrl.h - the in-process controllers of the server. */
#ifndef SVCNET_CTRL_H
#define SVCNET_CTRL_H

#include "server/apiserver.h"

/* EndpointSlices and Endpoints for Services with selectors (ctrl_epslice.c). */
struct epslice_ctrl *epslice_ctrl_new(struct apiserver *as);
void epslice_ctrl_free(struct epslice_ctrl *e);
/* Re-reads every Service (after a start or a reload) and marks all dirty. */
void epslice_ctrl_resync(struct epslice_ctrl *e);
int epslice_ctrl_pending(const struct epslice_ctrl *e);
void epslice_ctrl_run(struct epslice_ctrl *e);

/* Binds unscheduled Pods to the Ready node with the fewest Pods (ctrl_sched.c). */
struct sched_ctrl *sched_ctrl_new(struct apiserver *as);
void sched_ctrl_free(struct sched_ctrl *s);
int sched_ctrl_pending(const struct sched_ctrl *s);
void sched_ctrl_run(struct sched_ctrl *s);

/* Namespaces being deleted: their contents go (honouring finalizers and
 * graceful pod deletion), then the namespace itself (ctrl_ns.c). */
void ns_ctrl_mark(struct apiserver *as, const char *name);
int ns_ctrl_pending(const struct apiserver *as);
void ns_ctrl_run(struct apiserver *as);
void ns_ctrl_rebuild(struct apiserver *as);
/* 1 when namespace ns exists and is terminating. */
int ns_ctrl_terminating(struct apiserver *as, const char *ns);

/* Nodes whose status stopped coming get Ready=Unknown (ctrl_node.c). */
void node_ctrl_run(struct apiserver *as);

#endif
