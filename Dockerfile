# One image for the worker and the web app (the command picks which). Node 20 on Debian (glibc: Temporal's
# native core-bridge has no musl build).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "web/main.ts"]
