# syntax=docker/dockerfile:1
# userlink: build with the dev dependencies, run on production dependencies only.
#   docker build -t userlink .
#   docker run --rm -p 50051:50051 -p 8080:8080 -p 9090:9090 userlink   (embedded default)
# Settings come from the environment at run time (README "Configuration"); nothing
# secret is baked in. See compose.yaml and deploy/kubernetes/ for Postgres and Redis.
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The workspaces' manifests are part of the lockfile's tree.
COPY package.json package-lock.json ./
COPY clients/node/package.json clients/node/
COPY clients/web/package.json clients/web/
# Never --omit=optional: the buf binary is an optional dependency (STACK.md).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# The CLI's admin commands run on clients/node (compiled beside src/), and the console
# (built by Vite into dist/console) on clients/web.
COPY clients ./clients
COPY console ./console
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/node/package.json clients/node/
COPY clients/web/package.json clients/web/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The embedded default keeps its database and admin token here; mount a volume on it.
RUN mkdir -p /data && chown node:node /data
ENV USERLINK_DATA_DIR=/data
VOLUME ["/data"]
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 50051 8080 9090
# The server drains on SIGTERM: not ready, streams end UNAVAILABLE, calls finish.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.USERLINK_OPS_PORT ?? 9090}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run IMAGE migrate` runs the migrations instead of the server.
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
