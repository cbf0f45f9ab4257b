#!/bin/sh
# Build failures read as docker's, "Dockerfile:LINE: message", exit 1;
# nothing is tagged and no partial layer or container stays behind.
# Also .dockerignore and build --check.
. "$(dirname "$0")/../lib.sh"

setup_containers
mkdir ctx && echo a >ctx/a.txt

test_expect_success 'an unknown instruction' '
	printf "FROM busybox\nFOO bar\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test "$(tail -n1 err)" = "Dockerfile:2: unknown instruction: FOO"
'

test_expect_success 'a missing source' '
	printf "FROM busybox\n\nCOPY missing.txt /x\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:3: .*\"/missing.txt\": not found$" err
'

test_expect_success 'an unknown base image' '
	printf "FROM nosuchimage:1\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:1: .*nosuchimage:1" err
'

test_expect_success 'a failing RUN shows its output, exit code and line; nothing is tagged or left' '
	layers_before=$(ls "$BERTH_ROOT/layers" | wc -l) &&
	printf "FROM busybox\nCOPY a.txt /\nRUN echo partial >/p && echo going-wrong && exit 7\n" >ctx/Dockerfile &&
	test_status 1 berth build --progress plain -t mustnotexist ctx 2>err &&
	test_grep -q "going-wrong" err &&
	test_grep -q "ERROR: process \"/bin/sh -c echo partial >/p && echo going-wrong && exit 7\" did not complete successfully: exit code: 7" err &&
	test_grep -q "^   3 | >>> RUN echo partial" err &&
	test "$(tail -n1 err)" = "Dockerfile:3: process \"/bin/sh -c echo partial >/p && echo going-wrong && exit 7\" did not complete successfully: exit code: 7" &&
	! berth image inspect mustnotexist >/dev/null 2>&1 &&
	test -z "$(berth ps -aq)" &&
	test -z "$(ls "$BERTH_ROOT/containers")" &&
	test "$(ls "$BERTH_ROOT/layers" | grep -vc "^l$\|^tmp")" -le "$((layers_before + 1))" &&
	test -z "$(ls -d "$BERTH_ROOT"/layers/tmp-* 2>/dev/null)"
'

test_expect_success 'a bad ENV and a variable error carry their lines' '
	printf "FROM busybox\nENV A=1 B\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: Syntax error - can.t find = in \"B\"" err &&
	printf "FROM busybox\nENV X=\"\${NOPE:?must be given}\"\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: NOPE: must be given$" err
'

test_expect_success 'no Dockerfile, an empty one, a missing context' '
	rm -f ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "failed to read dockerfile" err &&
	: >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "cannot be empty" err &&
	test_status 1 berth build -q nowhere 2>err &&
	test_grep -q "unable to prepare context: path \"nowhere\" not found" err
'

test_expect_success 'instructions before FROM other than ARG' '
	printf "RUN true\nFROM busybox\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:1: no build stage in current context$" err
'

test_expect_success '.dockerignore: patterns, ** and ! exceptions; the ignored files do not exist for COPY' '
	mkdir -p ctx/logs/deep ctx/keep && echo l >ctx/logs/x.log && echo l >ctx/logs/deep/y.log &&
	echo k >ctx/keep/important.log && echo s >ctx/secret.env && echo m >ctx/notes.md && echo r >ctx/README.md &&
	cat >ctx/.dockerignore <<-\EOF &&
	# comments are ignored
	**/*.log
	!keep/important.log
	/secret.env
	*.md
	!README.md
	EOF
	printf "FROM busybox\nCOPY . /ctx/\n" >ctx/Dockerfile &&
	berth build -q -t ignored ctx >/dev/null &&
	berth run --rm ignored find /ctx -type f | sort >files &&
	printf "/ctx/.dockerignore\n/ctx/Dockerfile\n/ctx/README.md\n/ctx/a.txt\n/ctx/keep/important.log\n" >want &&
	test_cmp want files &&
	printf "FROM busybox\nCOPY secret.env /s\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "not found" err
'

test_expect_success 'a <Dockerfile>.dockerignore next to the Dockerfile wins over .dockerignore' '
	printf "FROM busybox\nCOPY . /ctx/\n" >ctx/Special &&
	printf "*\n!a.txt\n" >ctx/Special.dockerignore &&
	berth build -q -t special -f ctx/Special ctx >/dev/null &&
	test "$(berth run --rm special find /ctx -type f)" = /ctx/a.txt
'

test_expect_success 'build --check reports docker'"'"'s rules and builds nothing' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox:$TAG as Builder
	MAINTAINER me
	CMD echo hi
	EOF
	test_status 1 berth build --check ctx >out &&
	test "$(head -n1 out)" = "Check complete, 6 warnings have been found!" &&
	test_grep -q "^WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/$" out &&
	test_grep -q "^WARNING: UndefinedArgInFrom - https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/$" out &&
	test_grep -q "FROM argument .TAG. is not declared" out &&
	test_grep -q "^Default value for ARG busybox:\$TAG results in empty or invalid base image name$" out &&
	test_grep -q "^WARNING: MaintainerDeprecated - https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/$" out &&
	test_grep -q "^WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/$" out &&
	test_grep -q "^WARNING: StageNameCasing - https://docs.docker.com/go/dockerfile/rule/stage-name-casing/$" out &&
	test "$(grep -c "^WARNING" out)" = 6 &&
	test "$(grep -n "^WARNING" out | sed -n 6p | cut -d: -f3)" = " JSONArgsRecommended - https" &&
	grep -A6 "^WARNING: MaintainerDeprecated" out >w &&
	cat >expect <<-\EOF &&
	WARNING: MaintainerDeprecated - https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/
	Maintainer instruction is deprecated in favor of using label
	Dockerfile:2
	--------------------
	   1 |     FROM busybox:$TAG as Builder
	   2 | >>> MAINTAINER me
	   3 |     CMD echo hi
	EOF
	test_cmp expect w &&
	printf "FROM busybox\nCMD [\"true\"]\n" >ctx/Dockerfile &&
	berth build --check ctx >out &&
	test "$(cat out)" = "Check complete, no warnings found." &&
	printf "FROM busybox\nBAD x\n" >ctx/Dockerfile &&
	test_status 1 berth build --check ctx 2>out &&
	test_grep -q "^Dockerfile:2: unknown instruction: BAD$" out
'

test_expect_success 'build --check: docker'"'"'s messages for stage names and relative workdirs' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox AS a
	WORKDIR rel
	WORKDIR again
	FROM busybox AS a
	FROM busybox AS scratch
	WORKDIR /abs
	WORKDIR rel
	EOF
	test_status 1 berth build --check ctx >out &&
	test_grep -q "^Relative workdir \"rel\" can have unexpected results if the base image changes$" out &&
	test "$(grep -c "^WARNING: WorkdirRelativePath" out)" = 1 &&
	test_grep -q "^Duplicate stage name \"a\", stage names should be unique$" out &&
	test_grep -q "^Stage name should not use the same name as reserved stage \"scratch\"$" out
'

test_expect_success 'build --check: UndefinedVar, with BuildKit'"'"'s suggestion; ENV and ARG in scope and the base image'"'"'s ENV count' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox
	ARG VERSION
	ENV APP_HOME=/app PATH=$PATH:/app/bin
	COPY a.txt $APP_HOME/$VERSION/
	WORKDIR $APP_HOM
	LABEL dir=$NOWHERE
	RUN echo $NOT_CHECKED_IN_RUN
	CMD ["true"]
	EOF
	test_status 1 berth build --check ctx >out &&
	test "$(head -n1 out)" = "Check complete, 2 warnings have been found!" &&
	test_grep -q "^WARNING: UndefinedVar - https://docs.docker.com/go/dockerfile/rule/undefined-var/$" out &&
	test_grep -q "^Usage of undefined variable .\$APP_HOM. (did you mean \$APP_HOME?)$" out &&
	test_grep -q "^Usage of undefined variable .\$NOWHERE.$" out &&
	test "$(grep -A1 "^Usage of undefined variable .\$NOWHERE" out | tail -n1)" = "Dockerfile:6"
'

test_expect_success 'build --check: SecretsUsedInArgOrEnv, on BuildKit'"'"'s words and exceptions' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox
	ARG SECRET_PASSPHRASE
	ENV SUPER_Secret=foo
	ENV password=bar sunflower=baz
	ARG public_token
	ENV password_file=bar PUBLIC_KEY=
	ARG AUTH_MODULE_VERSION
	ENV MONKEY=1 TOKENS=2
	CMD ["true"]
	EOF
	test_status 1 berth build --check ctx >out &&
	test "$(head -n1 out)" = "Check complete, 3 warnings have been found!" &&
	test_grep -q "^WARNING: SecretsUsedInArgOrEnv - https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/$" out &&
	test_grep -q "^Do not use ARG or ENV instructions for sensitive data (ARG \"SECRET_PASSPHRASE\")$" out &&
	test_grep -q "^Do not use ARG or ENV instructions for sensitive data (ENV \"SUPER_Secret\")$" out &&
	test_grep -q "^Do not use ARG or ENV instructions for sensitive data (ENV \"password\")$" out
'

test_expect_success 'build --check: InvalidDefaultArgInFrom with the defaults, whatever --build-arg says' '
	cat >ctx/Dockerfile <<-\EOF &&
	ARG VERSION
	ARG IMAGE
	ARG SFX="box:"
	ARG GOOD=busybox
	FROM busybox:$VERSION AS a
	FROM $IMAGE AS b
	FROM busy${SFX} AS c
	FROM $GOOD
	CMD ["true"]
	EOF
	test_status 1 berth build --check --build-arg VERSION=latest --build-arg IMAGE=busybox --build-arg SFX=box ctx >out &&
	test "$(head -n1 out)" = "Check complete, 3 warnings have been found!" &&
	test_grep -q "^WARNING: InvalidDefaultArgInFrom - https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/$" out &&
	test_grep -q "^Default value for ARG busybox:\$VERSION results in empty or invalid base image name$" out &&
	test_grep -q "^Default value for ARG \$IMAGE results in empty or invalid base image name$" out &&
	test_grep -q "^Default value for ARG busy\${SFX} results in empty or invalid base image name$" out
'

test_expect_success 'a build lints only the stages it builds; --check lints them all' '
	cat >ctx/Dockerfile <<-\EOF &&
	FROM busybox AS unused
	ENV API_TOKEN=x
	WORKDIR rel
	CMD echo unused
	FROM busybox AS dep
	RUN echo dep >/dep
	FROM busybox
	COPY --from=dep /dep /dep
	CMD echo final
	EOF
	berth build -t lintstages ctx 2>err &&
	test_grep -q "^ 1 warning found (use docker --debug to expand):$" err &&
	test_grep -q "^ - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 9)$" err &&
	! test_grep -q "line [234])" err &&
	berth build --target unused -t lintstages ctx 2>err &&
	test_grep -q "^ 3 warnings found" err &&
	test_grep -q "^ - SecretsUsedInArgOrEnv: .*(line 2)$" err &&
	! test_grep -q "(line 9)" err &&
	test_status 1 berth build --check ctx >out &&
	test "$(head -n1 out)" = "Check complete, 4 warnings have been found!"
'

test_expect_success 'VOLUME in shell form splits at blanks only, as BuildKit: a quoted path with a space fails' '
	printf "FROM busybox\nVOLUME /v \"/w x\"\n" >ctx/Dockerfile &&
	test_status 1 berth build -q -t volquote ctx 2>err &&
	test_grep -q "^Dockerfile:2: unexpected end of statement while looking for matching double-quote$" err &&
	! berth image inspect volquote >/dev/null 2>&1 &&
	printf "FROM busybox\nVOLUME /v \"/w\" \047/y\047\n" >ctx/Dockerfile &&
	berth build -q -t volquote ctx >/dev/null &&
	test "$(berth image inspect -f "{{json .Config.Volumes}}" volquote)" = "{\"/v\":{},\"/w\":{},\"/y\":{}}"
'

test_expect_success 'check=error=true makes warnings fail' '
	printf "# check=error=true\nFROM busybox\nCMD echo hi\n" >ctx/Dockerfile &&
	test_status 1 berth build --check ctx >out 2>err &&
	test_grep -q "^WARNING: JSONArgsRecommended" out &&
	test_grep -q "lint violation found for rules: JSONArgsRecommended" err &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "lint violation found for rules: JSONArgsRecommended" err &&
	printf "# check=skip=JSONArgsRecommended\nFROM busybox\nCMD echo hi\n" >ctx/Dockerfile &&
	berth build --check ctx >out &&
	test "$(cat out)" = "Check complete, no warnings found."
'

test_expect_success 'bad flags: unknown COPY flag, bad --chmod, bad progress' '
	printf "FROM busybox\nCOPY --bogus=1 a.txt /a\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: unknown flag: --bogus" err &&
	printf "FROM busybox\nCOPY --chmod=999 a.txt /a\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "invalid chmod parameter" err &&
	test_status 1 berth build --progress fancy ctx 2>err
'

test_expect_success 'RUN --network: none builds, a bad mode is refused; --mount is refused' '
	printf "FROM busybox\nRUN --network=nowhere true\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: unsupported network mode \"nowhere\"" err &&
	printf "FROM busybox\nRUN --network=none true\n" >ctx/Dockerfile &&
	berth build -q --network none ctx >/dev/null &&
	test_status 1 berth build -q --network nowhere ctx 2>err &&
	printf "FROM busybox\nRUN --mount=type=cache,target=/c true\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "RUN --mount is not supported" err
'

test_expect_success 'an interrupted build kills its RUN, tags nothing and leaves no container' '
	printf "FROM busybox\nRUN echo started && sleep 30\n" >ctx/Dockerfile &&
	berth build --progress plain -t interrupted ctx 2>err &
	pid=$! &&
	for i in $(seq 100); do grep -q started err 2>/dev/null && break; sleep 0.1; done &&
	kill -INT $pid &&
	! wait $pid &&
	test_grep -q "context canceled" err &&
	! berth image inspect interrupted >/dev/null 2>&1 &&
	test -z "$(berth ps -aq)" &&
	test -z "$(ls "$BERTH_ROOT/containers")"
'

test_done
