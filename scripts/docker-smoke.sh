#!/usr/bin/env bash
# `make docker-smoke`: build FactBot's Dockerfile with rootful podman and check,
# with the container's network switched off, that the image
#   1. runs as a numeric non-root user, keeps /data in a volume, has a HEALTHCHECK;
#   2. answers a question from its built-in fact base (python -m knowledge ask,
#      and the console reading standard input);
#   3. without a token explains how to pass one and exits 2 at once (no console);
#   4. turns healthy once the bot connects (to the Discord API double from tests/,
#      started inside the same container on loopback, with the token passed as a
#      secret file through DISCORD_TOKEN_FILE) and `python -m bot status` reports
#      it; `python -m knowledge build` works beside the running bot; the bot stops
#      cleanly on SIGTERM, never logs the token, and `python -m bot status` says
#      "stopped" (exit 1) afterwards from the same /data volume.
#
# Needs root. podman, runc and debootstrap are installed with apt-get when missing.
# The base image: BASE_IMAGE if set (e.g. docker.io/library/python:3.12-slim where
# a registry is reachable), else a local Debian bookworm + Python 3.11 image made
# once with debootstrap from the Debian mirror apt uses (no registry needed).
# Podman's storage lives in SMOKE_WORKDIR (default /var/tmp/factbot-smoke), so
# the base image is made only on the first run.
set -euo pipefail

PROJECT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${SMOKE_WORKDIR:-/var/tmp/factbot-smoke}
IMAGE=localhost/factbot-smoke:latest
LOCAL_BASE=localhost/factbot-pybase:bookworm
NAME=factbot-smoke-$$
VOLUME=factbot-smoke-data-$$
PORT=8765

step() { printf '\n== %s\n' "$*"; }
# Runs that do not test the HEALTHCHECK skip it: podman would try to schedule
# it with systemd timers, which this host may not have (step 4 runs it by hand).
run() { podman run --rm --network=none --no-healthcheck "$@"; }
fail() {
  echo "SMOKE FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "run as root (rootful podman)"
mkdir -p "$WORK"
export DEBIAN_FRONTEND=noninteractive
export CONTAINERS_STORAGE_CONF=$WORK/storage.conf CONTAINERS_CONF=$WORK/containers.conf

if ! type -P podman runc debootstrap >/dev/null; then
  step "installing podman, runc and debootstrap"
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends podman runc debootstrap >/dev/null
fi

# Podman's own storage and settings, away from any system-wide configuration.
# runc and cgroupfs work on hosts where crun and systemd cgroups do not; the
# ulimits stay within this host's hard limits.
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/runroot"\n' \
  "$WORK" "$WORK" >"$WORK/storage.conf"
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF

cleanup() {
  podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  podman image prune -f >/dev/null 2>&1 || true # earlier builds' untagged images
}
trap cleanup EXIT

if [ -n "${BASE_IMAGE:-}" ]; then
  base=$BASE_IMAGE
else
  base=$LOCAL_BASE
  if ! podman image exists "$base"; then
    step "making the base image $base with debootstrap (once)"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || fail "no Debian mirror configured for apt"
    rootfs=$WORK/rootfs
    rm -rf "$rootfs"
    debootstrap --variant=minbase \
      --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
      bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log"
    # The host's extra CA certificates, so pip inside the build reaches the index here.
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
    chroot "$rootfs" update-ca-certificates >/dev/null
    # Like python:*-slim: pip may install into this interpreter's venvs freely.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    tar --numeric-owner -C "$rootfs" -c . |
      podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$base" >/dev/null
    rm -rf "$rootfs"
  fi
fi

step "podman build (base $base)"
# --format docker: the OCI image format has no HEALTHCHECK.
podman build --pull=never --network=host --format docker \
  --build-arg BASE_IMAGE="$base" -t "$IMAGE" "$PROJECT"

step "1. image settings"
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
volumes=$(podman image inspect --format '{{json .Config.Volumes}}' "$IMAGE")
health=$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE")
cmd=$(podman image inspect --format '{{json .Config.Cmd}}' "$IMAGE")
printf 'user: %s\nvolumes: %s\nhealthcheck: %s\ncmd: %s\n' "$user" "$volumes" "$health" "$cmd"
[[ $user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] || fail "the image should run as a numeric non-root user"
[[ $volumes == *'"/data"'* ]] || fail "/data should be a volume"
[[ $health == *'"python","-m","bot","status"'* ]] || fail "HEALTHCHECK should run python -m bot status"
[[ $cmd == '["python","-m","bot"]' ]] || fail "the command should be python -m bot"
[ "$(run "$IMAGE" id -u)" = "${user%%:*}" ] || fail "id -u"
echo "\$ ls -A /app /data"
run "$IMAGE" ls -A /app /data

step "2. docker run IMAGE python -m knowledge ask ..."
out=$(run "$IMAGE" python -m knowledge ask "How many users did Facebook have in Japan?")
printf '%s\n' "$out"
grep -q "11 million" <<<"$out" || fail "no answer from the built-in fact base"
grep -q "Source: “2011 trends" <<<"$out" || fail "the answer has no citation"
echo "\$ echo 'How big is GREE?' | docker run -i IMAGE python -m knowledge console"
out=$(echo "How big is GREE?" | run -i "$IMAGE" python -m knowledge console)
printf '%s\n' "$out"
grep -q "20 million" <<<"$out" || fail "the console did not answer"

step "3. docker run IMAGE (no DISCORD_TOKEN)"
set +e
out=$(timeout 120 podman run --rm --network=none --no-healthcheck "$IMAGE" 2>&1)
code=$?
set -e
printf '%s\n[exit status %s]\n' "$out" "$code"
[ "$code" = 2 ] || fail "expected exit status 2 without a token, got $code"
grep -q -- "-e DISCORD_TOKEN=" <<<"$out" || fail "the message should show -e DISCORD_TOKEN=..."
grep -q "DISCORD_TOKEN_FILE" <<<"$out" || fail "the message should mention DISCORD_TOKEN_FILE"

step "4. health: the bot against the Discord API double, inside the container"
podman volume create "$VOLUME" >/dev/null
secret=$WORK/discord_token
printf 'test-token\n' >"$secret" # the double's token
chmod 644 "$secret"               # readable by the container's user
# The double (tests/discord_double, aiohttp + discord.py, both in the image)
# listens on the container's loopback; the bot is pointed at it. Test only:
# FACTBOT_DISCORD_API_BASE is never set in production.
podman run -d --name "$NAME" --network=none \
  -v "$PROJECT/tests:/app/tests:ro" -v "$VOLUME:/data" \
  -v "$secret:/run/secrets/discord_token:ro" -e DISCORD_TOKEN_FILE=/run/secrets/discord_token \
  -e DISCORD_DOUBLE_PORT=$PORT \
  -e FACTBOT_DISCORD_API_BASE=http://127.0.0.1:$PORT \
  -e FACTBOT_HEALTH__INTERVAL_SECONDS=2 \
  "$IMAGE" sh -c "python -m tests.discord_double >/tmp/double.log 2>&1 &
    until python -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT))' 2>/dev/null
    do sleep 0.2; done
    exec python -m bot" >/dev/null 2>"$WORK/run.err" || {
  cat "$WORK/run.err" >&2
  fail "podman run"
}
# (run.err holds podman's complaint that it cannot add systemd healthcheck timers
# here; the loop below runs the HEALTHCHECK itself, as the timer would.)
healthy=""
for _ in $(seq 1 60); do
  if podman healthcheck run "$NAME" >/dev/null 2>&1; then
    healthy=yes
    break
  fi
  sleep 1
done
podman logs "$NAME" 2>&1 | sed 's/^/  log | /'
[ -n "$healthy" ] || fail "the HEALTHCHECK never passed"
echo "podman healthcheck run: healthy"
echo "health status: $(podman inspect --format '{{.State.Health.Status}}' "$NAME")"
echo "\$ python -m bot status"
podman exec "$NAME" python -m bot status
echo "\$ python -m knowledge build"
podman exec "$NAME" python -m knowledge build

step "4b. podman stop (SIGTERM), then python -m bot status from the same volume"
podman stop -t 30 "$NAME" >/dev/null 2>>"$WORK/run.err"
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
logs=$(podman logs "$NAME" 2>&1)
printf 'bot exit status: %s\n' "$code"
[ "$code" = 0 ] || fail "the bot should exit 0 on SIGTERM"
! grep -q "Traceback" <<<"$logs" || fail "traceback in the bot's log"
! grep -q "test-token" <<<"$logs" || fail "the token appears in the log"
set +e
out=$(run -v "$VOLUME:/data" "$IMAGE" python -m bot status 2>&1)
code=$?
set -e
printf '%s\n[exit status %s]\n' "$out" "$code"
[ "$code" = 1 ] || fail "status of a stopped bot should exit 1"
grep -q "stopped" <<<"$out" || fail "status should say the bot stopped"

echo
echo "SMOKE OK"
