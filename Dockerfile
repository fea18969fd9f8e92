# One image for the five processes; SERVICE picks which one runs (gateway, ingestion, aggregation,
# export-job, notification). TypeScript runs through SWC at start-up: no separate build output to keep in sync.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production SWC_NODE_PROJECT=tsconfig.base.json
COPY package.json package-lock.json ./
COPY tools/codegen ./tools/codegen
COPY proto ./proto
RUN npm install --no-audit --no-fund
COPY . .
RUN node tools/codegen/generate-contracts.mjs && npm run build:console
USER node
CMD ["sh", "-c", "exec node --enable-source-maps -r @swc-node/register apps/${SERVICE}/src/main.ts"]
