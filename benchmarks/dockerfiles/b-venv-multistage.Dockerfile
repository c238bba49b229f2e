# (b) The venv multi-stage Dockerfile of "Multi-stage Docker builds for Python projects"
# (/work/shared/articles/004_*): requirements installed into /venv before the code is added,
# then the project itself, and /venv copied into a clean production stage.
#
# Reproduced as written, with the benchmark app's paths and console script, and both stages on
# the benchmark's shared slim base image (the article builds on the full image; every
# dependency here is a wheel, so no compiler is needed). The apt-get lines for the article's
# example LDAP library are left out: this app needs no system library. The one change made to
# run here: each pip step mounts the pip.conf and CA bundle secrets (pip_conf, ca_cert) that
# every build on this machine needs to reach PyPI; they never reach a layer.
ARG PYTHON_IMAGE=python:3.14-slim
FROM ${PYTHON_IMAGE} AS build
RUN python3 -m venv /venv

# install requirements separately to prevent pip from downloading and
# installing pypi dependencies every time a file in your project changes
ADD ./requirements /project/requirements
ARG REQS=base
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    --mount=type=secret,id=ca_cert \
    /venv/bin/pip install -r /project/requirements/$REQS.txt

# install the project, basically copying its code, into the virtualenv.
ADD . /project
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    --mount=type=secret,id=ca_cert \
    /venv/bin/pip install /project


FROM ${PYTHON_IMAGE} AS production
COPY --from=build /venv /venv
# The app the baked project names in pyproject.toml, which a non-editable install leaves behind.
ENV APP="bench_service.app:create_app()"
CMD ["/venv/bin/bench-service", "serve"]
