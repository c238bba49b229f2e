# (a) The naive single-stage Dockerfile of "Efficient management Python projects dependencies
# with Docker" (/work/shared/articles/002_*, section "requirements.txt"): the code is added
# BEFORE the requirements are installed, so every code change reinstalls every dependency.
#
# Reproduced as written, on the benchmark's shared base image instead of the article's
# Debian-plus-apt Python, with the benchmark app's paths and console script. The one change made
# to run here: each pip step mounts the pip.conf and CA bundle secrets (pip_conf, ca_cert) that
# every build on this machine needs to reach PyPI; they never reach a layer.
ARG PYTHON_IMAGE=python:3.14-slim
FROM ${PYTHON_IMAGE}
COPY . /app
WORKDIR /app
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    --mount=type=secret,id=ca_cert \
    pip install -r requirements/base.txt
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    --mount=type=secret,id=ca_cert \
    pip install .
EXPOSE 8000
# The app the baked project names in pyproject.toml, which a non-editable install leaves behind.
ENV APP="bench_service.app:create_app()"
CMD ["bench-service", "serve"]
