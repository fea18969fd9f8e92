# One image for the five processes; SERVICE picks which one runs (gateway, ingestion, aggregation,
# export-job, notification). The build stage compiles them (`npm run build`: contracts, the services to dist/,
# the console); the image holds that build, the production dependencies and the .proto files read at run time.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/codegen ./tools/codegen
COPY proto ./proto
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/proto ./proto
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/console/dist ./apps/console/dist
USER node
# --max-semi-space-size: see SERVICE_NODE_FLAGS in libs/local-stack/src/platform.ts.
CMD ["sh", "-c", "exec node --max-semi-space-size=8 dist/apps/${SERVICE}/src/main.js"]
