# syntax=docker/dockerfile:1
# The consent-refresh worker image: production dependencies only (tsx is one: the app runs its TypeScript
# through it), code owned by root and read-only, the process running as the unprivileged `node` user.
# Build: docker build -t consent-refresh .      Run: see docker-compose.yml and docs/production.md.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1) Dependencies exactly as locked, without devDependencies. DuckDB, Temporal Core and esbuild ship
#    prebuilt glibc binaries as platform packages, so no compiler is needed (hence Debian, not Alpine).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# 2) Runtime: the sources (see .dockerignore) on top of the installed node_modules.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PATH=/app/node_modules/.bin:$PATH \
    CONSENT_LOG_FORMAT=json \
    CONSENT_METRICS_ADDRESS=0.0.0.0:9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# Data lives in volumes under /data; the config file is mounted at /config/consent.config.yaml. Relative
# paths in the config resolve against /config, where these links point a repo-style layout (warehouse
# ./.consent, sources ./data, exports ./exports, as in examples/) at the volumes; absolute /data/... paths
# work too. The volume folders belong to `node` so a fresh named volume is writable by it.
RUN mkdir -p /data/warehouse /data/sources /data/exports /config \
 && ln -s /data/warehouse /config/.consent \
 && ln -s /data/sources /config/data \
 && ln -s /data/exports /config/exports \
 && chown node:node /data/warehouse /data/exports
USER node
EXPOSE 9464
# One process (no npm/npx wrapper), so SIGTERM reaches the Temporal runtime directly: it stops polling,
# lets running activities finish for the worker's shutdown grace time, then exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "worker/main.ts", "--config", "/config/consent.config.yaml"]
