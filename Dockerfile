# The kritis-sim image: the webhook (and every other subcommand) as a
# non-root process on a slim Python base. Build from the repository root:
#
#   docker build --tag kritis-sim:0.1.0 .
#
# Runtime dependencies are the pinned set in docker/requirements.txt (written
# by tools/pin_runtime_deps.py); `pip check` fails the build if it misses one.
# `kritis-sim kind up` builds this file; `kritis-sim manifests` runs the image
# with `webhook ... --port 8443`, which the HEALTHCHECK probes (docs/kind.md).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KRITIS_SIM_HEALTHZ_URL=https://127.0.0.1:8443/healthz

# The pins first: this layer is rebuilt only when they change.
COPY docker/requirements.txt /tmp/requirements.txt
RUN pip install --no-deps --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY pyproject.toml README.md /src/
COPY kritis_sim /src/kritis_sim
RUN pip install --no-deps /src \
    && pip check \
    && rm -rf /src

# 65532 is the conventional "nonroot" id; the Deployment runs as it too.
USER 65532:65532
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "kritis_sim._healthcheck"]
ENTRYPOINT ["kritis-sim"]
CMD ["webhook", "--help"]
