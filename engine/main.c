/* main.c: berth's command table and global options, nothing else.
 *
 * Like git's builtin table: each entry names a command and the function in
 * engine/cmd/ that parses its arguments and calls the core.  Management
 * commands (`berth container ls`) have a table of their own; docker's
 * top-level shortcuts (`berth ps`) point at the same functions.
 */
#define _GNU_SOURCE
#include "cmd/commands.h"
#include "core/cleanup.h"
#include "core/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct command system_cmds[] = {
	{"check", cmd_system_check, NULL, "Check the image store and repair what can be repaired", NULL, false},
	{"df", cmd_system_df, NULL, "Show berth disk usage", NULL, false},
	{"info", cmd_info, NULL, "Display system-wide information", NULL, false},
	{"prune", cmd_system_prune, NULL, "Remove unused data", NULL, false},
	{NULL, NULL, NULL, NULL, NULL, false},
};

static const struct command image_cmds[] = {
	{"build", cmd_build, NULL, "Build an image from a Dockerfile", NULL, false},
	{"history", cmd_history, NULL, "Show the history of an image", NULL, false},
	{"import", cmd_import, NULL, "Import the contents from a tarball to create a filesystem image", NULL, false},
	{"inspect", cmd_image_inspect, NULL, "Display detailed information on one or more images", NULL, false},
	{"list", cmd_images, NULL, "List images", NULL, true},
	{"load", cmd_load, NULL, "Load an image from a tar archive or STDIN", NULL, false},
	{"ls", cmd_images, NULL, "List images", NULL, false},
	{"prune", cmd_image_prune, NULL, "Remove unused images", NULL, false},
	{"pull", cmd_pull, NULL, "Download an image from a registry", NULL, false},
	{"push", cmd_push, NULL, "Upload an image to a registry", NULL, false},
	{"remove", cmd_rmi, NULL, "Remove one or more images", NULL, true},
	{"rm", cmd_rmi, NULL, "Remove one or more images", NULL, false},
	{"save", cmd_save, NULL, "Save one or more images to a tar archive (streamed to STDOUT by default)", NULL, false},
	{"tag", cmd_tag, NULL, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", NULL, false},
	{NULL, NULL, NULL, NULL, NULL, false},
};

static const struct command container_cmds[] = {
	{"attach", cmd_attach, NULL, "Attach local standard input, output, and error streams to a running container", NULL, false},
	{"cp", cmd_cp, NULL, "Copy files/folders between a container and the local filesystem", NULL, false},
	{"create", cmd_create, NULL, "Create a new container", NULL, false},
	{"exec", cmd_exec, NULL, "Execute a command in a running container", NULL, false},
	{"export", cmd_export, NULL, "Export a container's filesystem as a tar archive", NULL, false},
	{"inspect", cmd_container_inspect, NULL, "Display detailed information on one or more containers", NULL, false},
	{"kill", cmd_kill, NULL, "Kill one or more running containers", NULL, false},
	{"logs", cmd_logs, NULL, "Fetch the logs of a container", NULL, false},
	{"ls", cmd_ps, NULL, "List containers", NULL, false},
	{"list", cmd_ps, NULL, "List containers", NULL, true},
	{"ps", cmd_ps, NULL, "List containers", NULL, true},
	{"pause", cmd_pause, NULL, "Pause all processes within one or more containers", NULL, false},
	{"port", cmd_port, NULL, "List port mappings or a specific mapping for the container", NULL, false},
	{"prune", cmd_container_prune, NULL, "Remove all stopped containers", NULL, false},
	{"rename", cmd_rename, NULL, "Rename a container", NULL, false},
	{"restart", cmd_restart, NULL, "Restart one or more containers", NULL, false},
	{"rm", cmd_rm, NULL, "Remove one or more containers", NULL, false},
	{"remove", cmd_rm, NULL, "Remove one or more containers", NULL, true},
	{"run", cmd_run, NULL, "Create and run a new container from an image", NULL, false},
	{"start", cmd_start, NULL, "Start one or more stopped containers", NULL, false},
	{"stats", cmd_stats, NULL, "Display a live stream of container(s) resource usage statistics", NULL, false},
	{"stop", cmd_stop, NULL, "Stop one or more running containers", NULL, false},
	{"top", cmd_top, NULL, "Display the running processes of a container", NULL, false},
	{"unpause", cmd_unpause, NULL, "Unpause all processes within one or more containers", NULL, false},
	{"wait", cmd_wait, NULL, "Block until one or more containers stop, then print their exit codes", NULL, false},
	{NULL, NULL, NULL, NULL, NULL, false},
};

static const struct command network_cmds[] = {
	{"connect", cmd_network_connect, NULL, "Connect a container to a network", NULL, false},
	{"create", cmd_network_create, NULL, "Create a network", NULL, false},
	{"disconnect", cmd_network_disconnect, NULL, "Disconnect a container from a network", NULL, false},
	{"inspect", cmd_network_inspect, NULL, "Display detailed information on one or more networks", NULL, false},
	{"ls", cmd_network_ls, NULL, "List networks", NULL, false},
	{"list", cmd_network_ls, NULL, "List networks", NULL, true},
	{"prune", cmd_network_prune, NULL, "Remove all unused networks", NULL, false},
	{"rm", cmd_network_rm, NULL, "Remove one or more networks", NULL, false},
	{"remove", cmd_network_rm, NULL, "Remove one or more networks", NULL, true},
	{NULL, NULL, NULL, NULL, NULL, false},
};

static const struct command volume_cmds[] = {
	{"create", cmd_volume_create, NULL, "Create a volume", NULL, false},
	{"inspect", cmd_volume_inspect, NULL, "Display detailed information on one or more volumes", NULL, false},
	{"ls", cmd_volume_ls, NULL, "List volumes", NULL, false},
	{"list", cmd_volume_ls, NULL, "List volumes", NULL, true},
	{"prune", cmd_volume_prune, NULL, "Remove unused local volumes", NULL, false},
	{"rm", cmd_volume_rm, NULL, "Remove one or more volumes", NULL, false},
	{"remove", cmd_volume_rm, NULL, "Remove one or more volumes", NULL, true},
	{NULL, NULL, NULL, NULL, NULL, false},
};

static const struct command commands[] = {
	{"run", cmd_run, NULL, "Create and run a new container from an image", "common", false},
	{"exec", cmd_exec, NULL, "Execute a command in a running container", "common", false},
	{"ps", cmd_ps, NULL, "List containers", "common", false},
	{"build", cmd_build, NULL, "Build an image from a Dockerfile", "common", false},
	{"images", cmd_images, NULL, "List images", "common", false},
	{"version", cmd_version, NULL, "Show the berth version information", "common", false},
	{"info", cmd_info, NULL, "Display system-wide information", "common", false},
	{"container", NULL, container_cmds, "Manage containers", "management", false},
	{"image", NULL, image_cmds, "Manage images", "management", false},
	{"compose", cmd_compose, NULL, "Define and run multi-container applications", "management", false},
	{"network", NULL, network_cmds, "Manage networks", "management", false},
	{"pull", cmd_pull, NULL, "Download an image from a registry", "common", false},
	{"push", cmd_push, NULL, "Upload an image to a registry", "common", false},
	{"login", cmd_login, NULL, "Log in to a registry", "common", false},
	{"logout", cmd_logout, NULL, "Log out from a registry", "common", false},
	{"system", NULL, system_cmds, "Manage berth", "management", false},
	{"volume", NULL, volume_cmds, "Manage volumes", "management", false},
	{"lab", cmd_lab, NULL, "Open the course tool (berth-lab): lessons, exercises, grading", "management", false},
	{"attach", cmd_attach, NULL, "Attach local standard input, output, and error streams to a running container", NULL, false},
	{"cp", cmd_cp, NULL, "Copy files/folders between a container and the local filesystem", NULL, false},
	{"create", cmd_create, NULL, "Create a new container", NULL, false},
	{"export", cmd_export, NULL, "Export a container's filesystem as a tar archive", NULL, false},
	{"history", cmd_history, NULL, "Show the history of an image", NULL, false},
	{"import", cmd_import, NULL, "Import the contents from a tarball to create a filesystem image", NULL, false},
	{"inspect", cmd_inspect_any, NULL, "Return low-level information on berth objects", NULL, false},
	{"kill", cmd_kill, NULL, "Kill one or more running containers", NULL, false},
	{"load", cmd_load, NULL, "Load an image from a tar archive or STDIN", NULL, false},
	{"logs", cmd_logs, NULL, "Fetch the logs of a container", NULL, false},
	{"pause", cmd_pause, NULL, "Pause all processes within one or more containers", NULL, false},
	{"port", cmd_port, NULL, "List port mappings or a specific mapping for the container", NULL, false},
	{"rename", cmd_rename, NULL, "Rename a container", NULL, false},
	{"restart", cmd_restart, NULL, "Restart one or more containers", NULL, false},
	{"rm", cmd_rm, NULL, "Remove one or more containers", NULL, false},
	{"rmi", cmd_rmi, NULL, "Remove one or more images", NULL, false},
	{"save", cmd_save, NULL, "Save one or more images to a tar archive (streamed to STDOUT by default)", NULL, false},
	{"start", cmd_start, NULL, "Start one or more stopped containers", NULL, false},
	{"stats", cmd_stats, NULL, "Display a live stream of container(s) resource usage statistics", NULL, false},
	{"stop", cmd_stop, NULL, "Stop one or more running containers", NULL, false},
	{"tag", cmd_tag, NULL, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", NULL, false},
	{"top", cmd_top, NULL, "Display the running processes of a container", NULL, false},
	{"unpause", cmd_unpause, NULL, "Unpause all processes within one or more containers", NULL, false},
	{"wait", cmd_wait, NULL, "Block until one or more containers stop, then print their exit codes", NULL, false},
	{NULL, NULL, NULL, NULL, NULL, false},
};

int main(int argc, char **argv)
{
	cleanup_berr berr_t err = NULL;
	struct berth b;
	const char *root = NULL;
	int i, status;

	/* Global options come before the command, as docker's do. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--root") == 0 && i + 1 < argc) {
			root = argv[++i];
		} else if (strncmp(a, "--root=", 7) == 0) {
			root = a + 7;
		} else if (strcmp(a, "-D") == 0 || strcmp(a, "--debug") == 0) {
			setenv("BERTH_DEBUG", "1", 1);
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
			printf("berth version %s, build %s\n", BERTH_VERSION, BERTH_GIT_COMMIT);
			return 0;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			break;
		} else if (strcmp(a, "--root") == 0) {
			fprintf(stderr, "flag needs an argument: --root\nSee 'berth --help'.\n");
			return BERTH_EXIT_ERROR;
		} else {
			fprintf(stderr, "unknown flag: %s\nSee 'berth --help'.\n", a);
			return BERTH_EXIT_ERROR;
		}
	}
	if (berth_init(&b, root, &err) < 0)
		return berr_report(&err, "berth");
	b.self = argv[0];
	b.debug = getenv("BERTH_DEBUG") != NULL;
	cli_set_path("berth");
	status = cli_dispatch(commands, "berth", &b, argc - i, argv + i, &err);
	if (status < 0)
		status = berr_report(&err, NULL);
	berth_fini(&b);
	fflush(stdout);
	return status;
}
