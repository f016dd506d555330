/* cmd_daemon.c - the loop of a long-running command; see cmd.h. */
#include "cmd/cmd.h"

#include "client/httpc.h"
#include "lib/log.h"
#include "lib/sigstop.h"

int cmd_daemon_run(const char *kubeconfig, const struct cmd_daemon *d)
{
	ev_loop *l = ev_loop_new();
	httpc *api = NULL;
	void *obj = NULL;
	char err[512];
	sigstop *stop = NULL;
	int rc = 1;

	if (!l)
		return 1;
	if (httpc_new_kubeconfig(l, kubeconfig, &api, err, sizeof(err)) < 0) {
		log_error(d->mod, "kubeconfig %s: %s", kubeconfig, err);
		goto out;
	}
	stop = sigstop_new(l, d->mod, d->stop_note, NULL);
	if (!stop)
		goto out;
	if (d->start(l, api, d->arg, &obj, err, sizeof(err)) < 0) {
		log_error(d->mod, "%s", err);
		rc = d->start_fail_rc;
		goto out;
	}
	if (d->started)
		d->started(d->arg);
	log_info(d->mod, "against %s", httpc_endpoint(api));
	ev_run(l);
	rc = 0;
out:
	if (obj)
		d->stop(obj);
	httpc_free(api);
	sigstop_free(stop);
	ev_loop_free(l);
	return rc;
}
