# syntax=docker/dockerfile:1
# The offboarding image: the worker by default; the HR webhook, the codec server, the CLI and the
# sandbox simulators are other commands of the same image (docker-compose.yml). Multi-stage: the
# TypeScript is compiled in `build`, production dependencies are installed alone in `dependencies`,
# and `runtime` holds only those two results and runs as the non-root `node` user. No secret is
# passed at build time or stored in a layer; every secret arrives at run time as a file.
#
#   docker build -t offboarding:dev .
#
# docs/operations.md quotes the build stage's steps; test/deploy/dockerfile.test.ts keeps them equal.

# Node 20, as package.json's engines; Debian (glibc) for the SDK's native core and @swc/core.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY workflows ./workflows
COPY activities ./activities
COPY config ./config
COPY worker ./worker
COPY client ./client
COPY webhook ./webhook
COPY codec ./codec
COPY simulators ./simulators
RUN npm run build

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. No install scripts: every native binary (the SDK's core, @swc/core
# for bundling workflows at start) ships inside its npm package, and nothing needs a download.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    METRICS_BIND_ADDRESS=0.0.0.0:9464
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The sandbox simulators' starting directory (made-up users; no personal data).
COPY examples/sample-directory.json ./examples/sample-directory.json
USER node
EXPOSE 9464
STOPSIGNAL SIGTERM
CMD ["node", "dist/worker/main.js"]
