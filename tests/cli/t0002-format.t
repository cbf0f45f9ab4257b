#!/bin/sh
# --format: docker's Go templates over what `berth version` and `berth info`
# know, with docker's field names, exit statuses and messages.
. "$(dirname "$0")/../lib.sh"

VERSION=$(berth -v | sed -n 's/^berth version \([^,]*\),.*/\1/p')

test_expect_success 'version --format prints one field of the client' '
	berth version --format "{{.Client.Version}}" >out &&
	test -n "$VERSION" && test "$(cat out)" = "$VERSION"
'

test_expect_success 'version -f is --format, and the server is the same engine' '
	berth version -f "{{.Server.Version}}" >out &&
	test "$(cat out)" = "$VERSION"
'

test_expect_success 'version --format accepts docker'"'"'s Go field names (.APIVersion for ApiVersion)' '
	berth version --format "{{.Client.APIVersion}}|{{.Client.ApiVersion}}" >out &&
	test_grep "^[0-9][0-9.]*|[0-9][0-9.]*$" out
'

test_expect_success 'version --format can print OS/Arch as docker does' '
	berth version --format "{{.Client.Os}}/{{.Client.Arch}}" >out &&
	test_grep -E "^linux/(amd64|arm64|arm|386|riscv64|s390x|ppc64le)$" out
'

test_expect_success 'version --format ranges over the server components' '
	berth version --format "{{range .Server.Components}}{{.Name}} {{end}}" >out &&
	test_grep "^Engine libarchive libseccomp SQLite jansson libcurl $" out
'

test_expect_success 'version --format json prints the whole document on one line' '
	berth version --format json >out &&
	test "$(wc -l <out)" = 1 &&
	test_grep "^{\"Client\":{" out && test_grep "\"Server\":{" out &&
	berth version --format "{{json .}}" >out2 && test_cmp out out2
'

test_expect_success 'version --format json is valid JSON' '
	if command -v python3 >/dev/null; then
		berth version --format json | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"Client\"][\"Version\"]"
	else
		berth version --format "{{json .Client.Version}}" >out && test_grep "^\"" out
	fi
'

test_expect_success 'version --format never creates the state root' '
	rm -rf "$BERTH_ROOT" &&
	berth version --format "{{.Client.Version}}" >/dev/null &&
	! test -e "$BERTH_ROOT"
'

test_expect_success 'version --format lines up tabs as docker version does' '
	berth version --format "$(printf "Client:\\t{{.Client.Version}}\\nOS:\\t{{.Client.Os}}")" >out &&
	printf "Client:             %s\nOS:                 linux\n" "$VERSION" >expect &&
	test_cmp expect out
'

test_expect_success 'a version --format that does not parse exits 64 with Go'"'"'s message' '
	test_status 64 berth version --format "{{.Client.Version" >out 2>err &&
	test_grep "template parsing error: template: version:1: unclosed action" err &&
	! test -s out
'

test_expect_success 'a version --format that fails while running exits 1 after the output so far' '
	test_status 1 berth version --format "v{{.Client.Version}}{{.Client.Version.Nope}}" >out 2>err &&
	test "$(cat out)" = "v$VERSION" &&
	test_grep "executing \"version\" at <.Client.Version.Nope>: can.t evaluate field Nope in type string" err
'

test_expect_success 'version --help shows the --format option' '
	berth version --help >out &&
	test_grep -- "-f, --format string" out
'

test_expect_success 'info --format prints the server version' '
	berth info --format "{{.ServerVersion}}" >out &&
	test "$(cat out)" = "$VERSION"
'

test_expect_success 'info --format shows the root as DockerRootDir' '
	berth info --format "{{.DockerRootDir}}" >out &&
	test "$(cat out)" = "$BERTH_ROOT"
'

test_expect_success 'info --format counts CPUs as the machine does' '
	berth info --format "{{.NCPU}}" >out &&
	test "$(cat out)" = "$(nproc)"
'

test_expect_success 'info --format numbers print without decimals' '
	berth info --format "{{.MemTotal}} {{.Containers}} {{.Images}}" >out &&
	test_grep -E "^[1-9][0-9]* 0 0$" out
'

test_expect_success 'info --format gives the same ID as plain info' '
	berth info --format "{{.ID}}" >out &&
	berth info >plain &&
	test_grep "ID: $(cat out)" plain
'

test_expect_success 'info --format has the cgroup version, kernel and OS' '
	berth info --format "{{.CgroupVersion}}|{{.KernelVersion}}|{{.OperatingSystem}}|{{.OSType}}" >out &&
	test_grep -E "^(1|2)\|$(uname -r)\|.+\|linux$" out
'

test_expect_success 'info --format ranges over the security options' '
	berth info --format "{{range .SecurityOptions}}{{println .}}{{end}}" >out &&
	if grep -q "^Seccomp:" /proc/self/status; then
		test_grep "^name=seccomp,profile=builtin$" out
	else
		! test -s out || test "$(cat out)" = ""
	fi
'

test_expect_success 'info --format {{json .}} is one line with docker'"'"'s keys' '
	berth info --format "{{json .}}" >out &&
	test "$(wc -l <out)" = 1 &&
	for k in ID Containers ContainersRunning Images Driver CgroupVersion KernelVersion \
		OperatingSystem NCPU MemTotal DockerRootDir Name ServerVersion SecurityOptions; do
		test_grep -q "\"$k\":" out || return 1
	done &&
	test_grep "^{\"ID\":\"" out
'

test_expect_success 'info --format json is the same document' '
	berth info --format json >out &&
	test_grep "\"DockerRootDir\":\"$BERTH_ROOT\"" out &&
	test_grep "\"ServerVersion\":\"$VERSION\"" out
'

test_expect_success 'info --format functions: printf, upper, len, index, if' '
	berth info --format "{{printf \"%d CPUs\" .NCPU}}|{{.OSType | upper}}|{{len .SecurityOptions | printf \"%T\"}}|{{index .ClientInfo \"Version\"}}|{{if .ExperimentalBuild}}exp{{else}}stable{{end}}" >out &&
	test "$(cat out)" = "$(nproc) CPUs|LINUX|int|$VERSION|stable"
'

test_expect_success 'info --format prints <no value> for a field that is not there' '
	berth info --format "{{.NoSuchField}}" >out &&
	test "$(cat out)" = "<no value>"
'

test_expect_success 'system info --format works the same' '
	berth system info --format "{{.ServerVersion}}" >out &&
	test "$(cat out)" = "$VERSION"
'

test_expect_success 'an info --format with an unknown function exits 64' '
	test_status 64 berth info --format "{{nope .ID}}" >out 2>err &&
	test_grep "template parsing error: template: :1: function \"nope\" not defined" err &&
	! test -s out
'

test_expect_success 'an info --format with a field of a string exits 1' '
	test_status 1 berth info --format "{{.Name.X}}" >out 2>err &&
	test_grep "template: :1:7: executing \"\" at <.Name.X>: can.t evaluate field X in type string" err
'

test_expect_success 'an empty --format is the plain output' '
	berth info --format "" >out &&
	test_grep "Server Version: $VERSION" out
'

# List commands (docker's formatter.Context.Write): a template that does not
# parse and one that fails on a row are both "template parsing error: ...",
# printed as it is on stderr, exit 1 (not 64: only inspect, info and version
# make it a usage error), and no row, no header on stdout.
test_expect_success 'list commands: setup (an image, two tags, a container, a network, a volume)' '
	setup_containers &&
	berth tag busybox zzz:1 &&
	berth create --name fmt1 busybox true >/dev/null &&
	berth network create fmtnet >/dev/null &&
	berth volume create fmtvol >/dev/null
'

LISTS="images|image ls|ps -a|container ls -a|network ls|volume ls|history busybox|image history busybox|stats --no-stream -a|system df"

test_expect_success 'a list --format that does not parse: docker'"'"'s message as it is, exit 1, stdout empty' '
	echo "template parsing error: template: :1: unclosed action" >want &&
	echo "$LISTS" | tr "|" "\n" >cmds &&
	while read -r c; do
		test_status 1 berth $c --format "table {{.ID" >out 2>err || { echo "$c: status"; return 1; }
		test_cmp want err || { echo "$c"; return 1; }
		! test -s out || { echo "$c printed"; return 1; }
	done <cmds
'

test_expect_success 'a list --format with an unknown function: the same, exit 1' '
	echo "template parsing error: template: :1: function \"nope\" not defined" >want &&
	while read -r c; do
		test_status 1 berth $c --format "{{nope .}}" >out 2>err || { echo "$c: status"; return 1; }
		test_cmp want err || { echo "$c"; return 1; }
		! test -s out || { echo "$c printed"; return 1; }
	done <cmds
'

test_expect_success 'a list --format that fails on a row is a "template parsing error" too, exit 1' '
	for c in "images" "ps -a" "network ls" "history busybox" "stats --no-stream -a"; do
		test_status 1 berth $c --format "x{{.ID.Nope}}" >out 2>err || { echo "$c: status"; return 1; }
		echo "template parsing error: template: :1:6: executing \"\" at <.ID.Nope>: can'"'"'t evaluate field Nope in type string" >want &&
		test_cmp want err || { echo "$c"; return 1; }
		! test -s out || { echo "$c printed"; return 1; }
	done
'

test_expect_success 'a table whose second row fails prints no header and no first row' '
	test_status 1 berth images --format "table {{.Repository}}{{if eq .Repository \"zzz\"}}{{.Tag.Nope}}{{end}}" >out 2>err &&
	test_grep "^template parsing error: template: :1:.*can.t evaluate field Nope in type string$" err &&
	! test -s out
'

test_expect_success 'a list --format naming a field docker'"'"'s row type lacks fails with Go'"'"'s message, exit 1' '
	for ct in "images:*formatter.imageContext" "image ls:*formatter.imageContext" \
		"ps -a:*formatter.ContainerContext" "container ls -a:*formatter.ContainerContext" \
		"network ls:*network.networkContext" "volume ls:*formatter.volumeContext" \
		"history busybox:*image.historyContext" "stats --no-stream -a:*container.statsContext"; do
		c=${ct%%:*} type=${ct#*:}
		test_status 1 berth $c --format "table {{.Nope}}" >out 2>err || { echo "$c: status"; return 1; }
		echo "template parsing error: template: :1:2: executing \"\" at <.Nope>: can'"'"'t evaluate field Nope in type $type" >want &&
		test_cmp want err || { echo "$c"; return 1; }
		! test -s out || { echo "$c printed"; return 1; }
	done
'

test_expect_success 'list row fields are matched as Go does, by their exact name' '
	test_status 1 berth ps -a --format "{{.Names}} {{.names}}" >out 2>err &&
	test_grep "at <.names>: can.t evaluate field names in type \*formatter.ContainerContext$" err &&
	! test -s out &&
	test_status 1 berth volume ls --format "{{.ID}}" 2>err &&
	test_grep "can.t evaluate field ID in type \*formatter.volumeContext$" err
'

test_expect_success 'docker'"'"'s fields still work, and $ is the row too' '
	berth ps -a --format "{{.Names}}|{{.State}}|{{$.Image}}" >out &&
	test "$(cat out)" = "fmt1|created|busybox" &&
	berth volume ls --format "{{.Name}} {{.Driver}}" >out &&
	test_grep "^fmtvol local$" out &&
	test_status 1 berth ps -a --format "{{with .Names}}{{$.Nope}}{{end}}" 2>err &&
	test_grep "at <\$.Nope>: can.t evaluate field Nope in type \*formatter.ContainerContext$" err
'

# inspect (docker's cli/command/inspect): a template that does not parse is
# a usage error, 64; one that fails on an object "template parsing error: ...",
# exit 1, and nothing of that object on stdout.
INSPECTS="inspect fmt1|container inspect fmt1|image inspect busybox|network inspect fmtnet|volume inspect fmtvol"

test_expect_success 'every inspect -f that does not parse exits 64 with docker'"'"'s message as it is' '
	echo "template parsing error: template: :1: unclosed action" >want &&
	echo "$INSPECTS" | tr "|" "\n" >cmds &&
	while read -r c; do
		test_status 64 berth $c -f "{{.Id" >out 2>err || { echo "$c: status"; return 1; }
		test_cmp want err || { echo "$c"; return 1; }
		! test -s out || { echo "$c printed"; return 1; }
	done <cmds
'

test_expect_success 'every inspect -f that fails while running: "template parsing error: ...", exit 1, no partial output' '
	while read -r c; do
		case $c in volume*) f=Name col=8 ;; *) f=Id col=6 ;; esac
		test_status 1 berth $c -f "x{{.$f.Nope}}" >out 2>err || { echo "$c: status"; return 1; }
		echo "template parsing error: template: :1:$col: executing \"\" at <.$f.Nope>: can'"'"'t evaluate field Nope in type string" >want &&
		test_cmp want err || { echo "$c"; return 1; }
		! test -s out || { echo "$c printed"; return 1; }
	done <cmds
'

test_done
