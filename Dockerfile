# The tikv-operator image: the Python package and its console script, run as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY apis ./apis
COPY controllers ./controllers
COPY tikv_operator ./tikv_operator
RUN pip install . && rm -rf /src

# A fixed numeric uid, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
RUN useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin operator
USER 65532:65532
WORKDIR /

ENTRYPOINT ["tikv-operator"]
CMD ["run", "--leader-elect"]
