#!/bin/sh
# berth build: every instruction, the image config it makes, history,
# the progress output, -q/--iidfile/-t, heredocs, ONBUILD, and ADD of
# archives.
. "$(dirname "$0")/../lib.sh"

setup_containers

json() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print(r if isinstance(r,str) else json.dumps(r, sort_keys=True))' "$1"
}

mkdir ctx && cd ctx && echo hello >a.txt && mkdir -p sub/deep && echo s >sub/s.txt && echo d >sub/deep/d.txt &&
	ln -s a.txt link && cd ..

test_expect_success 'a Dockerfile with every config instruction builds, and its config is docker'"'"'s' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox
	MAINTAINER someone <s@example.com>
	ARG V=1
	ENV GREETING=hi NAME="the world"
	ENV LEGACY some value
	LABEL org.example.a="b c" plain=x
	EXPOSE 80 53/udp 8000-8001
	VOLUME /data
	VOLUME ["/cache"]
	WORKDIR /app
	WORKDIR sub
	USER 1000:1000
	STOPSIGNAL SIGINT
	SHELL ["/bin/sh", "-ec"]
	HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q -O- localhost
	ONBUILD RUN echo triggered
	ENTRYPOINT ["/bin/echo"]
	CMD ["default"]
	EOF
	berth build -q -t every ctx >id &&
	grep -Eqx "sha256:[0-9a-f]{64}" id &&
	berth image inspect every >insp &&
	test "$(json "d[0][\"Id\"]" <insp)" = "$(cat id)" &&
	test "$(json "d[0][\"Author\"]" <insp)" = "someone <s@example.com>" &&
	json "d[0][\"Config\"][\"Env\"]" <insp | grep -q "\"GREETING=hi\", \"NAME=the world\", \"LEGACY=some value\"" &&
	test "$(json "d[0][\"Config\"][\"Labels\"]" <insp)" = "{\"org.example.a\": \"b c\", \"plain\": \"x\"}" &&
	test "$(json "sorted(d[0][\"Config\"][\"ExposedPorts\"])" <insp)" = "[\"53/udp\", \"80/tcp\", \"8000/tcp\", \"8001/tcp\"]" &&
	test "$(json "sorted(d[0][\"Config\"][\"Volumes\"])" <insp)" = "[\"/cache\", \"/data\"]" &&
	test "$(json "d[0][\"Config\"][\"WorkingDir\"]" <insp)" = /app/sub &&
	test "$(json "d[0][\"Config\"][\"User\"]" <insp)" = 1000:1000 &&
	test "$(json "d[0][\"Config\"][\"StopSignal\"]" <insp)" = SIGINT &&
	test "$(json "d[0][\"Config\"][\"Shell\"]" <insp)" = "[\"/bin/sh\", \"-ec\"]" &&
	test "$(json "d[0][\"Config\"][\"Healthcheck\"]" <insp)" = "{\"Interval\": 5000000000, \"Retries\": 4, \"Test\": [\"CMD-SHELL\", \"wget -q -O- localhost\"], \"Timeout\": 2000000000}" &&
	test "$(json "d[0][\"Config\"][\"OnBuild\"]" <insp)" = "[\"RUN echo triggered\"]" &&
	test "$(json "d[0][\"Config\"][\"Entrypoint\"]" <insp)" = "[\"/bin/echo\"]" &&
	test "$(json "d[0][\"Config\"][\"Cmd\"]" <insp)" = "[\"default\"]" &&
	test "$(berth run --rm every)" = default
'

test_expect_success 'WORKDIR paths are cleaned and never go above /' '
	mkdir -p wdctx &&
	printf "FROM busybox\nWORKDIR /a/./b/../../../c//d/\nWORKDIR ../e\n" >wdctx/Dockerfile &&
	berth build -q -t wd wdctx >/dev/null &&
	test "$(berth image inspect -f "{{.Config.WorkingDir}}" wd)" = /c/e
'

test_expect_success 'history shows every step, config steps as empty layers' '
	berth history --no-trunc --format "{{.CreatedBy}}|{{.Size}}" every >hist &&
	test_grep -q "ENV GREETING=hi NAME=the world|0B" hist &&
	test_grep -q "WORKDIR /app|" hist &&
	test_grep -q "MAINTAINER someone" hist &&
	test_grep -q "ENTRYPOINT \[\"/bin/echo\"\]|0B" hist
'

test_expect_success 'history CREATED BY reads as docker'"'"'s classic builder' '
	mkdir -p hctx &&
	cat >hctx/Dockerfile <<-\EOF &&
	FROM busybox
	ARG B=2
	ARG A=1
	ARG NOVAL
	ARG EXP=${B}x
	RUN true
	CMD echo "hi"
	ENTRYPOINT ["/bin/echo", "a b"]
	VOLUME /v /w
	VOLUME ["/j"]
	HEALTHCHECK --interval=90s --retries=3 CMD ["true"]
	HEALTHCHECK NONE
	SHELL ["/bin/sh", "-ec"]
	ENV S=1
	WORKDIR /w
	EOF
	berth build -q -t hist hctx >/dev/null &&
	berth history --no-trunc --format "{{.CreatedBy}}|{{.Size}}" hist | sed "\$d" >actual &&
	cat >expect <<-\EOF &&
	/bin/sh -ec #(nop) WORKDIR /w|0B
	/bin/sh -ec #(nop)  ENV S=1|0B
	/bin/sh -ec #(nop)  SHELL [/bin/sh -ec]|0B
	/bin/sh -c #(nop)  HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" '"'"'\x00'"'"'}|0B
	/bin/sh -c #(nop)  HEALTHCHECK &{["CMD" "true"] "1m30s" "0s" "0s" "0s" '"'"'\x03'"'"'}|0B
	/bin/sh -c #(nop)  VOLUME [/j]|0B
	/bin/sh -c #(nop)  VOLUME [/v /w]|0B
	/bin/sh -c #(nop)  ENTRYPOINT ["/bin/echo" "a b"]|0B
	/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "echo \"hi\""]|0B
	|3 A=1 B=2 EXP=2x /bin/sh -c true|0B
	/bin/sh -c #(nop)  ARG EXP=2x|0B
	/bin/sh -c #(nop)  ARG NOVAL|0B
	/bin/sh -c #(nop)  ARG A=1|0B
	/bin/sh -c #(nop)  ARG B=2|0B
	EOF
	test_cmp expect actual &&
	berth build -q -t hist hctx >/dev/null &&
	berth build -q -t hist2 --build-arg A=9 hctx >/dev/null &&
	berth history --no-trunc --format "{{.CreatedBy}}" hist2 | grep -c "ARG A=1" >n &&
	test "$(cat n)" = 1 &&
	berth history --no-trunc --format "{{.CreatedBy}}" hist2 | grep -q "^|3 A=9 B=2 EXP=2x /bin/sh -c true$"
'

test_expect_success 'history: COPY names a file, a dir or multi, and the destination as written' '
	mkdir -p cctx/d && echo 1 >cctx/f && echo 2 >cctx/g.txt && echo 3 >cctx/h.txt && echo 4 >cctx/d/x &&
	cat >cctx/Dockerfile <<-\EOF &&
	FROM busybox
	WORKDIR /w
	COPY f .
	COPY d ./sub/
	COPY *.txt /t/
	ADD f g.txt rel/
	COPY --chown=1000:1000 f /owned
	EXPOSE 8080/udp 9000-9001 80
	EOF
	berth build -q -t chist cctx >/dev/null &&
	berth history --no-trunc --format "{{.CreatedBy}}" chist | sed -n 1,6p |
		sed -E "s/:[0-9a-f]{64} /:H /" >actual &&
	cat >expect <<-\EOF &&
	/bin/sh -c #(nop)  EXPOSE 80 8080/udp 9000-9001
	/bin/sh -c #(nop) COPY --chown=1000:1000file:H in /owned 
	/bin/sh -c #(nop) ADD multi:H in rel/ 
	/bin/sh -c #(nop) COPY multi:H in /t/ 
	/bin/sh -c #(nop) COPY dir:H in ./sub/ 
	/bin/sh -c #(nop) COPY file:H in . 
	EOF
	test_cmp expect actual
'

test_expect_success 'RUN, COPY and ADD make layers; the RUN sees ENV and build args' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox
	ARG V=1
	ENV GREETING=hi
	WORKDIR /app
	COPY a.txt .
	COPY sub /app/sub/
	COPY link /app/viafollow
	COPY sub/ /copied-dir/
	RUN echo "$GREETING $V" >out.txt && rm /bin/ls && mkdir -p /gone && rm -r /gone
	RUN ["/bin/sh", "-c", "echo exec form >>/app/out.txt"]
	EOF
	berth build --progress plain -t layers ctx 2>progress &&
	test "$(berth run --rm layers cat /app/out.txt)" = "hi 1
exec form" &&
	test "$(berth run --rm layers cat /app/a.txt /app/sub/s.txt /app/sub/deep/d.txt /app/viafollow /copied-dir/deep/d.txt)" = "hello
s
d
hello
d" &&
	test "$(berth run --rm layers sh -c "test -e /bin/ls && echo present || echo deleted")" = deleted &&
	test "$(berth image inspect -f "{{len .RootFS.Layers}}" layers)" = 8
'

test_expect_success 'the progress is BuildKit'"'"'s plain output' '
	test_grep -q "^#[0-9]* \[1/8\] FROM docker.io/library/busybox:latest$" progress &&
	test_grep -q "^#[0-9]* \[4/8\] COPY sub /app/sub/$" progress &&
	test_grep -Eq "^#[0-9]+ DONE [0-9]+\.[0-9]s$" progress &&
	test_grep -Eq "^#[0-9]+ writing image sha256:[0-9a-f]{64} done$" progress &&
	test_grep -q "naming to docker.io/library/layers:latest done" progress
'

test_expect_success 'RUN output appears in the step with its time' '
	printf "FROM busybox\nRUN echo out-line && echo err-line >&2\n" >ctx/Dockerfile &&
	berth build --progress plain --no-cache ctx 2>progress &&
	test_grep -Eq "^#[0-9]+ [0-9]+\.[0-9]{3} out-line$" progress &&
	test_grep -Eq "^#[0-9]+ [0-9]+\.[0-9]{3} err-line$" progress
'

test_expect_success 'a symlink inside a copied directory stays a symlink' '
	mkdir -p ctx/withlink && ln -sf ../a.txt ctx/withlink/l &&
	printf "FROM busybox\nCOPY withlink /w/\n" >ctx/Dockerfile &&
	berth build -q -t symlinks ctx >/dev/null &&
	test "$(berth run --rm symlinks readlink /w/l)" = ../a.txt
'

test_expect_success 'a source outside the context is not reachable' '
	echo secret >outside.txt &&
	printf "FROM busybox\nCOPY ../outside.txt /x\n" >ctx/Dockerfile &&
	! berth build -q ctx 2>err &&
	test_grep -q "not found" err &&
	ln -sf ../outside.txt ctx/escape &&
	printf "FROM busybox\nCOPY escape /x\n" >ctx/Dockerfile &&
	! berth build -q ctx 2>err && rm ctx/escape
'

test_expect_success 'COPY --chown, --chmod and globs' '
	touch ctx/g1.conf ctx/g2.conf &&
	printf "FROM busybox\nCOPY --chown=1000:1001 --chmod=600 a.txt /o/a\nCOPY --chown=nobody *.conf /conf/\n" >ctx/Dockerfile &&
	berth build -q -t owners ctx >/dev/null &&
	test "$(berth run --rm owners stat -c "%u %g %a" /o/a)" = "1000 1001 600" &&
	test "$(berth run --rm owners ls /conf | tr "\n" " ")" = "g1.conf g2.conf " &&
	test "$(berth run --rm owners stat -c %u /conf/g1.conf)" = 65534
'

test_expect_success 'heredocs: RUN script, <<- and quoted delimiters, COPY <<EOF' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox
	ENV WHO=world
	RUN <<EOT
	echo line1 >/h1
	echo "hello $WHO" >>/h1
	EOT
	RUN cat <<"X" >/h2
	$WHO stays
	X
	COPY <<-END /h3
		tab stripped
		END
	EOF
	berth build -q -t heredoc ctx >/dev/null &&
	test "$(berth run --rm heredoc cat /h1)" = "line1
hello world" &&
	test "$(berth run --rm heredoc cat /h2)" = "\$WHO stays" &&
	test "$(berth run --rm heredoc cat /h3)" = "tab stripped"
'

test_expect_success 'COPY heredocs: several at once, expansion unless quoted, <<- tabs, --chmod, WORKDIR, with files' '
	mkdir -p hctx && echo from-context >hctx/plain.txt &&
	cat >hctx/Dockerfile <<-\DF &&
	FROM busybox
	ARG NAME=world
	ENV GREETING=hello
	WORKDIR /w
	COPY <<EOF /one.txt
	$GREETING ${NAME} ${UNSET:-dflt}
	"quoted" '"'"'single'"'"' \$not
	EOF
	COPY <<A <<"B" plain.txt /dir/
	a: $GREETING
	A
	b: $GREETING
	B
	COPY <<EOF rel.txt
	relative
	EOF
	DF
	printf "COPY --chmod=0750 <<-EOF /script.sh\n\t#!/bin/sh\n\t\techo \$NAME\n\tEOF\n" >>hctx/Dockerfile &&
	berth build -q -t hdoc hctx >/dev/null &&
	berth run --rm hdoc cat /one.txt >out &&
	printf "hello world dflt\n\"quoted\" '"'"'single'"'"' \$not\n" >want &&
	test_cmp want out &&
	test "$(berth run --rm hdoc ls /dir | tr "\n" " ")" = "A B plain.txt " &&
	test "$(berth run --rm hdoc cat /dir/A /dir/B /dir/plain.txt)" = "a: hello
b: \$GREETING
from-context" &&
	test "$(berth run --rm hdoc cat /w/rel.txt)" = relative &&
	test "$(berth run --rm hdoc stat -c %a /script.sh)" = 750 &&
	test "$(berth run --rm hdoc stat -c %a /one.txt)" = 644 &&
	test "$(berth run --rm hdoc cat /script.sh)" = "#!/bin/sh
echo world"
'

test_expect_success 'COPY heredocs: a changed build arg in the body rebuilds that step, the same one is cached' '
	berth build --progress plain -t hdoc hctx 2>err &&
	test "$(grep -c "CACHED" err)" = 6 &&
	berth build --progress plain --build-arg NAME=you -t hdoc2 hctx 2>err &&
	grep -A1 "COPY <<EOF /one.txt" err | grep -q "DONE" &&
	test "$(berth run --rm hdoc2 head -1 /one.txt)" = "hello you dflt"
'

test_expect_success 'COPY heredocs: several need a directory destination; a bad expansion names the line' '
	printf "FROM busybox\nCOPY <<A <<B /notdir\na\nA\nb\nB\n" >hctx/Dockerfile &&
	test_status 1 berth build -q hctx 2>err &&
	test_grep -q "^Dockerfile:2: When using COPY with more than one source file, the destination must be a directory and end with a /" err &&
	printf "FROM busybox\nCOPY <<EOF /x\n\${NOPE:?must be set}\nEOF\n" >hctx/Dockerfile &&
	test_status 1 berth build -q hctx 2>err &&
	test_grep -q "^Dockerfile:2: NOPE: must be set" err
'

test_expect_success 'a RUN layer is kept as its directory and a split, and save gives its tar back (load elsewhere)' '
	mkdir -p sctx &&
	printf "FROM busybox\nRUN mkdir /d && head -c 3000000 /dev/urandom >/d/big && echo hi >/d/small && ln /d/small /d/hard && ln -s nowhere /d/sym && rm /bin/ls\n" >sctx/Dockerfile &&
	berth build -q -t splitrun sctx >/dev/null &&
	diff=$(berth image inspect -f "{{index .RootFS.Layers 1}}" splitrun) &&
	test -f "$BERTH_ROOT/splits/${diff#sha256:}" &&
	! test -f "$BERTH_ROOT/blobs/sha256/${diff#sha256:}" &&
	berth save -o split.tar splitrun &&
	BERTH_ROOT=$TMP/other berth load -i split.tar >/dev/null &&
	test "$(BERTH_ROOT=$TMP/other berth image inspect -f "{{index .RootFS.Layers 1}}" splitrun)" = "$diff" &&
	BERTH_ROOT=$TMP/other berth run --rm splitrun sh -c "stat -c \"%s %h\" /d/big /d/small; readlink /d/sym; test ! -e /bin/ls" >out &&
	printf "3000000 1\n3 2\nnowhere\n" >want &&
	test_cmp want out
'

test_expect_success 'ADD extracts local tar, tar.gz, tar.xz, tar.bz2 and tar.zst archives' '
	mkdir -p arc/top && echo in-archive >arc/top/f &&
	tar -C arc -cf ctx/a.tar top &&
	tar -C arc -czf ctx/a.tar.gz top &&
	tar -C arc -cJf ctx/a.tar.xz top &&
	tar -C arc -cjf ctx/a.tar.bz2 top &&
	if command -v zstd >/dev/null; then tar -C arc --zstd -cf ctx/a.tar.zst top; else cp ctx/a.tar ctx/a.tar.zst; fi &&
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox
	ADD a.tar /t1/
	ADD a.tar.gz /t2
	ADD a.tar.xz /t3/
	ADD a.tar.bz2 /t4/
	ADD a.tar.zst /t5/
	ADD a.txt /plain/
	EOF
	berth build -q -t adds ctx >/dev/null &&
	test "$(berth run --rm adds cat /t1/top/f /t2/top/f /t3/top/f /t4/top/f /t5/top/f /plain/a.txt)" = "in-archive
in-archive
in-archive
in-archive
in-archive
hello"
'

test_expect_success 'ADD of an http URL fetches it (mode 600, not extracted) and checks --checksum' '
	mkdir -p www && echo served >www/file.txt && tar -C arc -czf www/a.tar.gz top &&
	python3 -m http.server 0 --bind 127.0.0.1 --directory www >http.log 2>&1 &
	pid=$! && test_at_end "kill $pid" &&
	for i in $(seq 50); do port=$(sed -n "s/.*port \([0-9]*\).*/\1/p" http.log); [ -n "$port" ] && break; sleep 0.1; done &&
	sum=$(sha256sum www/file.txt | cut -d" " -f1) &&
	printf "FROM busybox\nADD --checksum=sha256:$sum http://127.0.0.1:$port/file.txt /got/\nADD http://127.0.0.1:$port/a.tar.gz /arch/\n" >ctx/Dockerfile &&
	berth build -q -t urladd ctx >/dev/null &&
	test "$(berth run --rm urladd cat /got/file.txt)" = served &&
	test "$(berth run --rm urladd stat -c %a /got/file.txt)" = 600 &&
	berth run --rm urladd test -f /arch/a.tar.gz &&
	printf "FROM busybox\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 http://127.0.0.1:$port/file.txt /x\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: digest mismatch" err &&
	printf "FROM busybox\nADD http://127.0.0.1:$port/nothere /x\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "invalid response status 404" err
'

test_expect_success 'ADD of a git URL is refused clearly' '
	printf "FROM busybox\nADD https://github.com/x/y.git /src\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "Dockerfile:2: ADD of a git repository" err
'

test_expect_success 'ONBUILD triggers run when the image is a base' '
	printf "FROM busybox\nONBUILD RUN echo fired >/onbuild\n" >ctx/Dockerfile &&
	berth build -q -t obbase ctx >/dev/null &&
	printf "FROM obbase\nRUN cat /onbuild\n" >ctx/Dockerfile &&
	berth build -q -t obchild ctx >/dev/null &&
	test "$(berth run --rm obchild cat /onbuild)" = fired &&
	test "$(berth image inspect -f "{{json .Config.OnBuild}}" obchild)" = null
'

test_expect_success 'ENTRYPOINT resets an inherited CMD' '
	printf "FROM busybox\nCMD [\"inherited\"]\n" >ctx/Dockerfile &&
	berth build -q -t withcmd ctx >/dev/null &&
	printf "FROM withcmd\nENTRYPOINT [\"echo\"]\n" >ctx/Dockerfile &&
	berth build -q -t epreset ctx >/dev/null &&
	test "$(berth image inspect -f "{{json .Config.Cmd}}" epreset)" = null
'

test_expect_success 'variables: ARG before FROM, build args, predefined platform args' '
	cat >ctx/Dockerfile <<-\EOF &&
	ARG BASE=busybox
	ARG TAG=latest
	FROM ${BASE}:${TAG}
	ARG TAG
	ARG TARGETARCH
	ARG OTHER=dflt
	ENV T=$TAG A=$TARGETARCH O=${OTHER:-none} U=${UNSET:-fallback}
	RUN echo "$OTHER" >/other
	EOF
	berth build -q -t vars --build-arg OTHER=given ctx >/dev/null &&
	test "$(berth run --rm vars sh -c "echo \$T \$A \$O \$U; cat /other")" = "latest amd64 given fallback
given"
'

test_expect_success 'scratch images: FROM scratch with COPY only' '
	printf "FROM scratch\nCOPY a.txt /\n" >ctx/Dockerfile &&
	berth build -q -t fromscratch ctx >/dev/null &&
	test "$(berth image inspect -f "{{len .RootFS.Layers}}" fromscratch)" = 1
'

test_expect_success '-t twice, --iidfile, --label, image build' '
	printf "FROM busybox\nRUN true\n" >ctx/Dockerfile &&
	berth image build -q -t one -t two:v2 --iidfile iid --label team=x ctx >id &&
	test "$(cat iid)" = "$(cat id)" &&
	test "$(berth image inspect -f "{{.Id}}" one)" = "$(cat id)" &&
	test "$(berth image inspect -f "{{.Id}}" two:v2)" = "$(cat id)" &&
	test "$(berth image inspect -f "{{index .Config.Labels \"team\"}}" one)" = x
'

test_expect_success '-f picks another Dockerfile, -f - reads it from stdin, and - is a context tar' '
	printf "FROM busybox\nLABEL which=other\n" >ctx/Other.dockerfile &&
	berth build -q -t other -f ctx/Other.dockerfile ctx >/dev/null &&
	test "$(berth image inspect -f "{{.Config.Labels.which}}" other)" = other &&
	printf "FROM busybox\nLABEL which=stdin\n" | berth build -q -t fromstdin -f - ctx >/dev/null &&
	test "$(berth image inspect -f "{{.Config.Labels.which}}" fromstdin)" = stdin &&
	printf "FROM busybox\nCOPY a.txt /from-tar\n" >ctx/Dockerfile &&
	tar -C ctx -cf - . | berth build -q -t fromtar - >/dev/null &&
	test "$(berth run --rm fromtar cat /from-tar)" = hello &&
	printf "FROM busybox\nLABEL bare=yes\n" | berth build -q -t bare - >/dev/null &&
	test "$(berth image inspect -f "{{.Config.Labels.bare}}" bare)" = yes
'

test_expect_success 'intermediate images stay out of `images`, and the build leaves no container' '
	berth images --format "{{.Repository}}" | grep -c "<none>" >before || : &&
	printf "FROM busybox\nENV A=1\nRUN true\nENV B=2\n" >ctx/Dockerfile &&
	berth build -q -t steps ctx >/dev/null &&
	berth images --format "{{.Repository}}" | grep -c "<none>" >after || : &&
	test_cmp before after &&
	test "$(berth images -a --format "{{.Repository}}" | grep -c "<none>")" -gt "$(cat after)" &&
	test -z "$(berth ps -aq)"
'

test_expect_success '--platform other than linux/amd64, and --pull with no registry reachable, fail clearly' '
	printf "FROM busybox\n" >ctx/Dockerfile &&
	test_status 1 berth build --platform linux/arm64 ctx 2>err &&
	test_grep -q "linux/arm64 is not supported" err &&
	test_status 1 berth build -q --pull ctx 2>err &&
	test_grep -q "^Dockerfile:1: failed to resolve source metadata for busybox: " err
'

test_done
