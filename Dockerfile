# FactBot in a container. Build:  docker build -t factbot .
# Run:   docker run -d --name factbot --restart unless-stopped \
#          -e DISCORD_TOKEN=... -v factbot-data:/data factbot
# Try:   docker run --rm factbot python -m knowledge ask "How big is GREE?"
# BASE_IMAGE must be a Debian-based Python 3.11+ image with `python` and venv.
ARG BASE_IMAGE=python:3.12-slim

# -- build: a virtual environment with the pinned dependencies and FactBot ----
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/factbot
# Dependencies first, so this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN /opt/factbot/bin/pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY bot ./bot
RUN /opt/factbot/bin/pip install --no-cache-dir --no-deps -c requirements.lock . \
    && /opt/factbot/bin/pip check

# -- runtime: the venv, a non-root user, the database in /data ----------------
FROM ${BASE_IMAGE}
ARG UID=10001
RUN groupadd --gid "${UID}" factbot \
    && useradd --uid "${UID}" --gid factbot --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin factbot \
    && mkdir /data \
    && chown "${UID}:${UID}" /data
COPY --from=build /opt/factbot /opt/factbot
WORKDIR /app
COPY config.toml ./
# No terminal in a container: without a token, explain and exit instead of
# opening the console. Every config key can be set the same way
# (FACTBOT_<SECTION>__<KEY>); the token comes from DISCORD_TOKEN or
# DISCORD_TOKEN_FILE, never from the config file.
ENV PATH=/opt/factbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    FACTBOT_CONFIG=/app/config.toml \
    FACTBOT_DATABASE__PATH=/data/factbot.db \
    FACTBOT_BOT__CONSOLE_FALLBACK=false
USER ${UID}:${UID}
# The built-in fact base, so the image answers questions out of the box. A new
# named volume starts as a copy of it; an empty bind mount is filled on first start.
RUN python -m knowledge build
VOLUME ["/data"]
# Healthy = the bot says it is connected, its status is fresh and the database
# is readable (python -m bot status exits 0), not merely that a process exists.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "status"]
# A command rather than an entrypoint, so `docker run IMAGE python -m knowledge ...` works.
CMD ["python", "-m", "bot"]
