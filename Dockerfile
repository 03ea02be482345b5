# syntax=docker/dockerfile:1.7
# One image recipe for every app: APP picks which (chat-gateway, agent-runner or mcp-fileserver).
# Build from the repository root (the context is the whole workspace):
#   docker build --build-arg APP=chat-gateway -t acb/chat-gateway .
#   docker build --build-arg APP=agent-runner -t acb/agent-runner .
#   docker build --build-arg APP=mcp-fileserver -t acb/mcp-fileserver .
# infra/deploy's test runs this file's `pnpm deploy` line for each app and starts what the runtime stage copies
# with plain node, so the images' contents are exercised even where no Docker engine is available.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG APP

# ---- build: install the workspace from the lockfile, build the app and its packages, deploy it alone ----
FROM ${NODE_IMAGE} AS build
ARG APP
RUN test -n "${APP}" || { echo "set --build-arg APP=chat-gateway|agent-runner|mcp-fileserver" >&2; exit 1; }
ENV CI=1 TURBO_TELEMETRY_DISABLED=1 npm_config_store_dir=/pnpm/store
RUN npm install -g pnpm@10.34.8 && npm cache clean --force
WORKDIR /src
# Dependencies come from the lockfile alone, so editing sources keeps this layer cached.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=acb-pnpm-store,target=/pnpm/store pnpm fetch
COPY . .
RUN --mount=type=cache,id=acb-pnpm-store,target=/pnpm/store pnpm install --offline --frozen-lockfile
RUN pnpm exec turbo run build --filter=@acb/${APP}... --output-logs=errors-only
# Production dependencies only, workspace packages copied in (inject-workspace-packages is what pnpm 10's
# deploy needs; it is set for this command only, so the workspace keeps its symlinked packages).
RUN --mount=type=cache,id=acb-pnpm-store,target=/pnpm/store pnpm --filter=@acb/${APP} --prod --config.inject-workspace-packages=true deploy --offline /out

# ---- runtime: Node and the deployed app, nothing else ----
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to node and reaps the stdio MCP servers node may spawn.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/package.json ./package.json
COPY --from=build /out/node_modules ./node_modules
COPY --from=build /out/dist ./dist
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]

# ---- per app: its settings, port and probe; each runs as the image's `node` user, by number so that
# Kubernetes' runAsNonRoot can verify it ----

# chat-gateway: the HTTP/SSE/WebSocket gateway.
FROM runtime AS chat-gateway
ENV HOST=0.0.0.0
ENV PORT=8000
USER 1000:1000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || '8000') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# agent-runner: the BullMQ worker that runs turns (probes on METRICS_PORT).
FROM runtime AS agent-runner
ENV HOST=0.0.0.0
ENV METRICS_PORT=9464
ENV RUNNER_SHUTDOWN_GRACE_MS=30000
USER 1000:1000
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || '9464') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# mcp-fileserver: the read-only MCP file server over streamable HTTP (MCP_AUTH_TOKEN required).
FROM runtime AS mcp-fileserver
ENV FILESERVER_TRANSPORT=http
ENV FILESERVER_HOST=0.0.0.0
ENV FILESERVER_PORT=8080
ENV FILES_ROOT=/data
# The directory served; mount the files here read-only.
RUN mkdir -p /data
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.FILESERVER_PORT || '8080') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# ---- the image: the stage of the app named by APP ----
FROM ${APP}
