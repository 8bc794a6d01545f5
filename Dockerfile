# source-ignite-procurement: Airbyte source connector image.
#
#   docker build -t airbyte/source-ignite-procurement:dev .
#   docker run --rm airbyte/source-ignite-procurement:dev spec
#
# Without a Docker engine: ../shared/tools/oci-build.sh build . source-ignite-procurement:dev

# ---- build: compile TypeScript (needs dev dependencies) ----------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /build
# manifests first, so a code-only change reuses the installed node_modules layer
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# everything .dockerignore lets through: tsconfig and the TypeScript folders `npm run build` compiles
COPY . ./
RUN npm run build \
 && find dist -name '*.map' -delete

# ---- deps: production dependencies only --------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /deps
COPY package.json package-lock.json ./
# no install scripts: every production dependency is plain JS or wasm
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.ts' -o -name '*.md' -o -name '*.markdown' \) -type f -delete \
 && find node_modules -type d -empty -delete

# ---- runtime ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
# Airbyte convention: user "airbyte" uid/gid 1000 (the base's "node" user, renamed), and a writable
# /airbyte. The code stays root-owned so the connector cannot modify itself. The connector never runs
# npm or yarn: they (and the C headers) are removed from what can run here.
RUN groupmod --new-name airbyte node \
 && usermod --login airbyte --home /home/airbyte --move-home node \
 && mkdir -p /airbyte/integration_code \
 && chown airbyte:airbyte /airbyte \
 && chmod 1777 /tmp \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
      /usr/local/include/node
WORKDIR /airbyte/integration_code
COPY package.json ./
COPY --from=deps /deps/node_modules ./node_modules
COPY --from=build /build/dist/source ./dist/source
COPY --from=build /build/dist/spec ./dist/spec
COPY --from=build /build/dist/streams ./dist/streams
# git keeps its executable bit
COPY docker/entrypoint.sh ./entrypoint.sh

# Temp files (export downloads) go to /tmp: Airbyte's readOnlyRootFilesystem pods mount it writable.
ENV NODE_ENV=production \
    TMPDIR=/tmp \
    AIRBYTE_ENTRYPOINT="/airbyte/integration_code/entrypoint.sh"
LABEL io.airbyte.name="airbyte/source-ignite-procurement" \
      io.airbyte.version="0.1.0"
# numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd
USER 1000:1000
ENTRYPOINT ["/airbyte/integration_code/entrypoint.sh"]
CMD []
