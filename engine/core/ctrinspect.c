/* ctrinspect.c: docker's `inspect` object for a container. */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "endpoint.h"
#include "volume.h"
#include "util.h"

#include <string.h>

static json_t *rfc3339(long long ns)
{
	char buf[64];
	format_rfc3339nano(ns, buf, sizeof(buf));
	return json_string(buf);
}

json_t *container_inspect_json(struct berth *b, const struct container *c)
{
	cleanup_free char *cdir = container_dir(b, c->id);
	cleanup_free char *name = xasprintf("/%s", c->name);
	cleanup_free char *resolv = xasprintf("%s/resolv.conf", cdir);
	cleanup_free char *hostname = xasprintf("%s/hostname", cdir);
	cleanup_free char *hosts = xasprintf("%s/hosts", cdir);
	cleanup_free char *log = xasprintf("%s/container.log", cdir);
	cleanup_free char *upper = xasprintf("%s/upper", cdir);
	cleanup_free char *work = xasprintf("%s/work", cdir);
	cleanup_free char *merged = xasprintf("%s/rootfs", cdir);
	bool live = c->state == CS_RUNNING || c->state == CS_PAUSED;
	json_t *state, *o;

	state = json_object();
	json_object_set_new(state, "Status", json_string(cstate_name(c->state)));
	json_object_set_new(state, "Running", json_boolean(live));
	json_object_set_new(state, "Paused", json_boolean(c->state == CS_PAUSED));
	json_object_set_new(state, "Restarting", json_boolean(c->state == CS_RESTARTING));
	json_object_set_new(state, "OOMKilled", json_boolean(c->oom_killed));
	json_object_set_new(state, "Dead", json_boolean(c->state == CS_DEAD));
	json_object_set_new(state, "Pid", json_integer(live ? c->pid : 0));
	json_object_set_new(state, "ExitCode", json_integer(c->exit_code));
	json_object_set_new(state, "Error", json_string(c->error ? c->error : ""));
	json_object_set_new(state, "StartedAt", rfc3339(c->started_at));
	json_object_set_new(state, "FinishedAt", rfc3339(c->finished_at));

	o = json_object();
	json_object_set_new(o, "Id", json_string(c->id));
	json_object_set_new(o, "Created", rfc3339(c->created));
	json_object_set_new(o, "Path", json_string(c->path));
	json_object_set_new(o, "Args", json_deep_copy(c->args));
	json_object_set_new(o, "State", state);
	json_object_set_new(o, "Image", json_string(c->image_id));
	json_object_set_new(o, "ResolvConfPath", json_string(resolv));
	json_object_set_new(o, "HostnamePath", json_string(hostname));
	json_object_set_new(o, "HostsPath", json_string(hosts));
	json_object_set_new(o, "LogPath", json_string(log));
	json_object_set_new(o, "Name", json_string(name));
	json_object_set_new(o, "RestartCount", json_integer(c->restart_count));
	json_object_set_new(o, "Driver", json_string("overlayfs"));
	json_object_set_new(o, "Platform", json_string("linux"));
	json_object_set_new(o, "MountLabel", json_string(""));
	json_object_set_new(o, "ProcessLabel", json_string(""));
	json_object_set_new(o, "AppArmorProfile", json_string(""));
	json_object_set_new(o, "ExecIDs", json_null());
	json_object_set_new(o, "HostConfig", json_deep_copy(c->host_config));
	json_object_set_new(o, "GraphDriver", json_pack("{s:{s:s, s:s, s:s}, s:s}", "Data", "MergedDir", merged,
							"UpperDir", upper, "WorkDir", work, "Name", "overlayfs"));
	json_object_set_new(o, "Mounts", volume_mounts_json(b, c));
	json_object_set_new(o, "Config", json_deep_copy(c->config));
	json_object_set_new(o, "NetworkSettings", endpoint_network_settings(b, c));
	return o;
}
