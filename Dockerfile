# syntax=docker/dockerfile:1
# The gateway, production only: it needs DATABASE_URL, the registries' URLs, an identity
# provider and its signing keys (docs/DEPLOY.md). tests/productionInstall.test.ts does what
# the runtime stage does, on machines without a container engine.

ARG NODE_IMAGE=node:20-bookworm-slim

# Compiles the TypeScript, with the development dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
COPY mocks ./mocks
RUN npm run build

# The production dependencies, the compiled code and the files it reads at run time.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY schema ./schema
COPY src/policy/catalogue.json ./src/policy/
COPY src/forms/forms.json ./src/forms/
COPY src/store/migrations ./src/store/migrations
# Nothing under /app is written at run time; the signing keys are mounted (SIGNING_KEY_DIR).
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight requests (SHUTDOWN_GRACE_MS) before the process exits.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
