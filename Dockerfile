# One image for every role: `docker run IMAGE start --role api` and `... --role worker`.
# Debian-based on purpose: Temporal's native worker addon ships no musl (Alpine) build.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY plugins ./plugins
COPY schemas ./schemas
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.example.yaml ./
COPY bin ./bin
COPY schemas ./schemas
COPY fixtures ./fixtures
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8000
# Fails the container when the API stops answering; readiness (/ready) is for load balancers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.JULEE_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/julee.js"]
CMD ["start"]
