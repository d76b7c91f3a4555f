# The image `curate mine` (and every other `curate` command) runs in. See deploy/nightly/README.md.
#
#   docker build -t fleet-curation:$(git rev-parse --short HEAD) .
#   docker run --rm -v /data/lake:/data/lake -v /etc/fleet-curation:/etc/fleet-curation:ro \
#     -e LABEL_STUDIO_URL -e LABEL_STUDIO_API_KEY fleet-curation:TAG \
#     --lake /data/lake mine --config /etc/fleet-curation/mine.yaml --json
#
# CPU image: torch comes from PyTorch's CPU wheel index (the lock pins torch==2.13.0, which the CPU build
# 2.13.0+cpu satisfies). For a CUDA image, build with --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126
# (or the index of your CUDA version) on an nvidia/cuda base.
FROM python:3.11-slim

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CURATE_LAKE=/data/lake

# tini as PID 1: forwards SIGTERM (a Kubernetes deadline, `docker stop`) to curate and reaps children.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 curate

WORKDIR /srv/fleet-curation

# Dependencies first: this layer is rebuilt only when the lock changes, not on every code change.
COPY requirements.lock ./
RUN pip install --extra-index-url "${TORCH_INDEX}" -r requirements.lock

COPY pyproject.toml README.md ./
COPY connectors ./connectors
COPY models ./models
COPY curation ./curation
RUN pip install --no-deps . && curate --help > /dev/null

USER curate
VOLUME ["/data/lake"]
ENTRYPOINT ["tini", "--", "curate"]
CMD ["--help"]
