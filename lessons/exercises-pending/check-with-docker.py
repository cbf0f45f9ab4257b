#!/usr/bin/env python3
"""check-with-docker.py: grade the pending exercises with a real Docker
standing in for berth, the way they were checked while berth's commands were
still being written.  Not part of `make test`.

    DOCKER_HOST=unix:///tmp/d.sock SEED=/path/to/busybox.tar \\
        python3 lessons/exercises-pending/check-with-docker.py [EXERCISE...]

It runs each check the way berth-lab's grader does (sh -c in a copy of the
answer's directory, with BERTH_SEED, BERTH_ROOT and HOME set; each check's
processes end with it), minus the grader's namespaces: a dockerd outside the
grader's sandbox could not see the attempt's files or network.  `berth` is a
shim that runs `docker` (and `docker-compose` for `berth compose`).

Needs: a dockerd you started yourself (its state is wiped before every
attempt: give it a throwaway --data-root), docker-compose, docker-registry
and busybox-static on the host, port 5000 free, PyYAML, and SEED, a
`docker save` of busybox:latest with Cmd ["sh"].
"""
import os, shutil, signal, subprocess, sys, tempfile, yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DOCKER_HOST = os.environ.get("DOCKER_HOST") or sys.exit("set DOCKER_HOST to the dockerd to use")
SEED = os.environ.get("SEED") or sys.exit("set SEED to a busybox image tar")

SHIM = """#!/bin/sh
export DOCKER_HOST='%s'
if [ "$1" = compose ]; then shift; exec docker-compose "$@"; fi
exec docker "$@"
""" % DOCKER_HOST


def docker(*args):
    return subprocess.run(["docker", *args], env=dict(os.environ, DOCKER_HOST=DOCKER_HOST),
                          capture_output=True, text=True).stdout.split()


def reset():
    for kind, ls, rm in (("containers", ["ps", "-aq"], ["rm", "-f"]), ("images", ["images", "-aq"], ["rmi", "-f"])):
        ids = docker(*ls)
        if ids:
            docker(*rm, *ids)
    docker("volume", "prune", "-f")
    docker("network", "prune", "-f")


def kill_session(sid):
    """Kill every process in session sid (timeout(1) and friends make process
    groups of their own, so a process group is not enough)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:
                os.kill(int(pid), signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            pass


def attempt(spec, answer_dir, tmp):
    work = os.path.join(tmp, "work")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(answer_dir, work)
    env = {"PATH": os.path.join(tmp, "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": os.path.join(tmp, "home"), "BERTH_ROOT": os.path.join(tmp, "root"),
           "BERTH_SEED": SEED, "LANG": "C.UTF-8", "TERM": "dumb"}
    report, passed = [], 0
    for i, c in enumerate(spec["checks"], 1):
        with open(os.path.join(tmp, "stdout"), "w+") as so, open(os.path.join(tmp, "stderr"), "w+") as se:
            p = subprocess.Popen(["/bin/sh", "-c", c["run"]], cwd=work, env=env, stdin=subprocess.DEVNULL,
                                 stdout=so, stderr=se, start_new_session=True)
            try:
                status = p.wait(timeout=spec.get("timeout", 60))
            except subprocess.TimeoutExpired:
                status = None
            kill_session(p.pid)  # whatever the check left running goes with it
            p.wait()
            so.seek(0)
            se.seek(0)
            out, err = so.read(), se.read()
        if status is None:
            why = "did not finish in time"
        elif str(c.get("exit", 0)) != "any" and status != int(c.get("exit", 0)):
            why = "exited with %d: %s" % (status, (err or out).strip().splitlines()[:1])
        elif "stdout" in c and c["stdout"] not in out:
            why = "stdout lacks %r" % c["stdout"]
        elif "stderr" in c and c["stderr"] not in err:
            why = "stderr lacks %r" % c["stderr"]
        else:
            why = None
        passed += why is None
        report.append("  %s check %d%s" % ("PASS" if why is None else "FAIL", i, "" if why is None else ": " + why))
    return passed == len(spec["checks"]), report


def main():
    ids = sys.argv[1:] or sorted(d for d in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, d)))
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "bin"))
        os.makedirs(os.path.join(tmp, "home"))
        shim = os.path.join(tmp, "bin", "berth")
        with open(shim, "w") as f:
            f.write(SHIM)
        os.chmod(shim, 0o755)
        for ex in ids:
            d = os.path.join(HERE, ex)
            with open(os.path.join(d, "exercise.yaml")) as f:
                spec = yaml.safe_load(f)
            tries = [("solution", True)] + [("wrong/" + w, False) for w in sorted(os.listdir(os.path.join(d, "wrong")))]
            for name, should_pass in tries:
                reset()
                ok, report = attempt(spec, os.path.join(d, name), tmp)
                good = ok == should_pass
                bad += not good
                print("%s %s/%s: %s" % ("ok  " if good else "BAD ", ex, name, "PASSED" if ok else "NOT YET"))
                if not good or os.environ.get("VERBOSE"):
                    print("\n".join(report))
        reset()
    sys.exit(1 if bad else 0)


main()
