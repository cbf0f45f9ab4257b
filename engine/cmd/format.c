/* format.c: see format.h. */
#define _GNU_SOURCE
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* docker's formatter.Context.Write wraps both a template that does not
 * parse and one that fails on a row in "template parsing error", and a
 * list command returns it as a plain error: printed as it is, exit 1
 * (only inspect, info and version make a parse error a usage error, 64). */
static int list_template_error(berr_t *err)
{
	berr_wrap(err, "template parsing error");
	(*err)->status = 1;
	(*err)->plain = 1;
	return -1;
}

/* The methods (and exported fields) of the struct docker's list commands
 * run the template on, per row, with the embedded HeaderContext's. */
#define HEADER_CONTEXT "HeaderContext", "FullHeader", "MarshalJSON"
static const char *const container_fields[] = {
	HEADER_CONTEXT, "FieldsUsed", "ID", "Names", "Image", "Command", "CreatedAt", "RunningFor", "Platform",
	"Ports", "State", "Status", "Size", "Labels", "Label", "Mounts", "LocalVolumes", "Networks",
	"HealthStatus", NULL,
};
static const char *const image_fields[] = {
	HEADER_CONTEXT, "ID", "Repository", "Tag", "Digest", "CreatedSince", "CreatedAt", "Size", "Containers",
	"SharedSize", "UniqueSize", NULL,
};
static const char *const volume_fields[] = {
	HEADER_CONTEXT, "Name", "Driver", "Scope", "Mountpoint", "Labels", "Label", "Links", "Size", "Group",
	"Availability", "Status", NULL,
};
static const char *const network_fields[] = {
	HEADER_CONTEXT, "ID", "Name", "Driver", "Scope", "IPv4", "IPv6", "Internal", "Labels", "Label", "CreatedAt",
	NULL,
};
static const char *const stats_fields[] = {
	HEADER_CONTEXT, "Container", "Name", "ID", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs", NULL,
};
static const char *const history_fields[] = {
	HEADER_CONTEXT, "ID", "CreatedAt", "CreatedSince", "CreatedBy", "Size", "Comment", NULL,
};

/* docker/cli: cli/command/formatter/{container,image,volume}.go,
 * cli/command/network/formatter.go, cli/command/container/formatter_stats.go,
 * cli/command/image/formatter_history.go */
const struct format_row format_row_container = {"*formatter.ContainerContext", container_fields};
const struct format_row format_row_image = {"*formatter.imageContext", image_fields};
const struct format_row format_row_volume = {"*formatter.volumeContext", volume_fields};
const struct format_row format_row_network = {"*network.networkContext", network_fields};
const struct format_row format_row_stats = {"*container.statsContext", stats_fields};
const struct format_row format_row_history = {"*image.historyContext", history_fields};

int format_list_parse(const char *format, const char *default_table, const struct format_row *row,
		      struct tmpl **out, berr_t *err)
{
	if (tmpl_parse_format(format, default_table, out, err) < 0)
		return list_template_error(err);
	if (row)
		tmpl_set_row_type(*out, row->go_type, row->fields);
	return 0;
}

int format_list_write(const struct tmpl *t, json_t *rows, tmpl_field_name_fn columns, void *ctx, berr_t *err)
{
	if (tmpl_write_list(t, rows, columns, ctx, stdout, err) < 0)
		return list_template_error(err);
	return 0;
}

int format_list(const char *format, const char *default_table, const struct format_row *row, json_t *rows,
		tmpl_field_name_fn columns, berr_t *err)
{
	struct tmpl *t = NULL;
	int r;

	if (format_list_parse(format, default_table, row, &t, err) < 0)
		return -1;
	r = format_list_write(t, rows, columns, NULL, err);
	tmpl_free(t);
	return r;
}

int format_parse(const char *format, struct tmpl **out, berr_t *err)
{
	if (tmpl_parse(strcmp(format, "json") == 0 ? "{{json .}}" : format, out, err) < 0) {
		berr_wrap(err, "template parsing error");
		(*err)->status = 64;
		(*err)->plain = 1; /* docker prints it as it is */
		return -1;
	}
	return 0;
}

int format_inspect_one(const struct tmpl *t, json_t *obj, berr_t *err)
{
	char *s = tmpl_render(t, obj, err);
	if (!s) {
		berr_wrap(err, "template parsing error");
		(*err)->status = 1;
		(*err)->plain = 1;
		return -1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}

json_t *format_inspect_zero(const char *field)
{
	/* Fields of docker's ContainerJSON, container.Config, HostConfig,
	 * NetworkSettings and image InspectResponse, by the kind of their Go
	 * type (pointers and interfaces stay <no value>). */
	static const char *const slices[] = {
		"Args", "Binds", "BlkioDeviceReadBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteBps",
		"BlkioDeviceWriteIOps", "BlkioWeightDevice", "CapAdd", "CapDrop", "Cmd", "DeviceCgroupRules",
		"DeviceRequests", "Devices", "Dns", "DnsOptions", "DnsSearch", "Entrypoint", "Env", "ExecIDs",
		"ExtraHosts", "GroupAdd", "Layers", "Links", "MaskedPaths", "Mounts", "OnBuild", "ReadonlyPaths",
		"RepoDigests", "RepoTags", "SecurityOpt", "Shell", "Ulimits", "VolumesFrom", "Aliases", "DNSNames",
		NULL,
	};
	static const char *const maps[] = {
		"Annotations", "ExposedPorts", "Labels", "Networks", "PortBindings", "Ports", "StorageOpt", "Sysctls",
		"Tmpfs", "Volumes", "DriverOpts", NULL,
	};
	static const char *const strings[] = {
		"AppArmorProfile", "Author", "Comment", "Domainname", "Hostname", "Image", "MacAddress",
		"Parent", "StopSignal", "User", "Variant", "WorkingDir", "OsVersion", "CgroupParent", "Cgroup",
		"IpcMode", "PidMode", "UTSMode", "UsernsMode", "VolumeDriver", "Isolation", "Runtime",
		"ContainerIDFile", "CgroupnsMode", "CpusetCpus", "CpusetMems", NULL,
	};
	static json_t *empty;

	for (size_t i = 0; slices[i]; i++)
		if (strcmp(field, slices[i]) == 0)
			return tmpl_nil_slice();
	for (size_t i = 0; maps[i]; i++)
		if (strcmp(field, maps[i]) == 0)
			return tmpl_nil_map();
	for (size_t i = 0; strings[i]; i++)
		if (strcmp(field, strings[i]) == 0) {
			if (!empty)
				empty = json_string("");
			return empty;
		}
	return NULL;
}
