# The init container image: a shell and iptables; the injected command carries the rules
# (packages/shared/src/capture.ts). Build:
#   docker build -f apps/proxy/init.Dockerfile -t ghcr.io/weft/init:0.1.0 apps/proxy
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends iptables && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["sh", "-c"]
