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
/* HostConfig in the order and with the fields docker's API shows (moby's
 * container.HostConfig with its Resources), whatever berth stored: a
 * template such as {{.HostConfig.CpuQuota}} then finds its field. */
static json_t *host_config_json(json_t *stored)
{
	static const char *const fields[][2] = {
		{"Binds", "null"}, {"ContainerIDFile", "\"\""}, {"LogConfig", NULL}, {"NetworkMode", NULL},
		{"PortBindings", "{}"}, {"RestartPolicy", NULL}, {"AutoRemove", "false"}, {"VolumeDriver", "\"\""},
		{"VolumesFrom", "null"}, {"ConsoleSize", "[0, 0]"}, {"CapAdd", "null"}, {"CapDrop", "null"},
		{"CgroupnsMode", NULL}, {"Dns", "[]"}, {"DnsOptions", "[]"}, {"DnsSearch", "[]"},
		{"ExtraHosts", "null"}, {"GroupAdd", "null"}, {"IpcMode", NULL}, {"Cgroup", "\"\""},
		{"Links", "null"}, {"OomScoreAdj", "0"}, {"PidMode", "\"\""}, {"Privileged", "false"},
		{"PublishAllPorts", "false"}, {"ReadonlyRootfs", "false"}, {"SecurityOpt", "null"},
		{"UTSMode", "\"\""}, {"UsernsMode", "\"\""}, {"ShmSize", NULL}, {"Runtime", NULL},
		{"Isolation", "\"\""}, {"CpuShares", "0"}, {"Memory", "0"}, {"NanoCpus", "0"},
		{"CgroupParent", "\"\""}, {"BlkioWeight", "0"}, {"BlkioWeightDevice", "[]"},
		{"BlkioDeviceReadBps", "[]"}, {"BlkioDeviceWriteBps", "[]"}, {"BlkioDeviceReadIOps", "[]"},
		{"BlkioDeviceWriteIOps", "[]"}, {"CpuPeriod", "0"}, {"CpuQuota", "0"}, {"CpuRealtimePeriod", "0"},
		{"CpuRealtimeRuntime", "0"}, {"CpusetCpus", "\"\""}, {"CpusetMems", "\"\""}, {"Devices", "[]"},
		{"DeviceCgroupRules", "null"}, {"DeviceRequests", "null"}, {"MemoryReservation", "0"},
		{"MemorySwap", "0"}, {"MemorySwappiness", "null"}, {"OomKillDisable", "false"}, {"PidsLimit", "null"},
		{"Ulimits", "[]"}, {"CpuCount", "0"}, {"CpuPercent", "0"}, {"IOMaximumIOps", "0"},
		{"IOMaximumBandwidth", "0"}, {"MaskedPaths", NULL}, {"ReadonlyPaths", NULL},
	};
	json_t *o = json_object(), *v;
	const char *k;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		v = json_object_get(stored, fields[i][0]);
		/* a list docker shows empty rather than null */
		if (json_is_null(v) && fields[i][1] && fields[i][1][0] == '[')
			v = NULL;
		if (v)
			json_object_set_new(o, fields[i][0], json_deep_copy(v));
		else if (fields[i][1])
			json_object_set_new(o, fields[i][0], json_loads(fields[i][1], JSON_DECODE_ANY, NULL));
	}
	json_object_foreach(stored, k, v)
	{
		/* Init is omitted unless set, as docker's *bool with omitempty */
		if (!json_object_get(o, k) && !(strcmp(k, "Init") == 0 && json_is_null(v)))
			json_object_set_new(o, k, json_deep_copy(v));
	}
	return o;
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
	json_object_set_new(o, "HostConfig", host_config_json(c->host_config));
	json_object_set_new(o, "GraphDriver", json_pack("{s:{s:s, s:s, s:s}, s:s}", "Data", "MergedDir", merged,
							"UpperDir", upper, "WorkDir", work, "Name", "overlayfs"));
	json_object_set_new(o, "Mounts", volume_mounts_json(b, c));
	json_object_set_new(o, "Config", json_deep_copy(c->config));
	json_object_set_new(o, "NetworkSettings", endpoint_network_settings(b, c));
	return o;
}
