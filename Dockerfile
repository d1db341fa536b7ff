# One image: the API by default; `worker`, `scheduler`, `migrate` as the command for the rest.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/hookrelay
COPY pyproject.toml README.md constraints.txt ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
RUN pip install -c constraints.txt . \
    && useradd --system --create-home --uid 10001 hookrelay \
    && mkdir -p /data && chown hookrelay /data

USER hookrelay
ENV HOOKRELAY_HOST=0.0.0.0 \
    HOOKRELAY_DATA_DIR=/data
EXPOSE 8000
ENTRYPOINT ["hookrelay"]
CMD ["api"]
