# syntax=docker/dockerfile:1
#
# Entitlement ledger image. Configuration comes only from the environment (README, "Configuration"); the image runs the
# `aws` profile. Without its required settings the service stops at once and names them; it has no emulator to fall
# back to.
#
#   docker build -t entitlement-ledger:0.1.0 .

# ---- console: the support console's bundle (adr/0025) ----------------------------------------------------------------
# Node.js only here, for `npm ci` from the committed lock file and `npm run build` (TypeScript, Vite 7 needs Node.js
# 20.19+). Only the built static files leave this stage; node_modules never reaches the jar or the image.
FROM node:20.19.5-bookworm-slim AS console
WORKDIR /console
COPY src/main/console/package.json src/main/console/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY src/main/console/ ./
RUN npm run build -- --outDir /console/dist --emptyOutDir

# ---- build: the same Maven wrapper and pom as a developer's build ---------------------------------------------------
# Pinned to the exact JDK build the tests and benchmarks ran on (17.0.15+6); a rebuild gets the same base.
FROM eclipse-temurin:17.0.15_6-jdk AS build
WORKDIR /build

COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY db/ db/
COPY src/ src/
# the console's bundle becomes a resource of the jar, served at /console/ as in a developer's build
COPY --from=console /console/dist/ src/main/resources/static/console/

# Production code only (adr/0016): -Dmaven.test.skip=true compiles and runs no tests; the emulators (embedded Postgres,
# ElasticMQ, dynalite) are test scope or test resources, so the jar holds none of them. -Dexec.skip=true skips every
# exec-maven-plugin execution (the `npm ci` of dynalite, of the test-only HCL parser and the console's build, done by
# the console stage above), so no Node.js is needed here.
# The Maven repository is a BuildKit cache mount: rebuilds after a source change download nothing again, and the
# repository never ends up in an image layer.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -Dmaven.test.skip=true -Dexec.skip=true package \
 && java -Djarmode=tools -jar target/ledger.jar extract --layers --launcher --destination extracted

# ---- runtime: JRE only, non-root, exploded layers -------------------------------------------------------------------
FROM eclipse-temurin:17.0.15_6-jre

# curl for the health check (this HEALTHCHECK and the ECS task definition's default `curl -fsS …/actuator/health`);
# installed explicitly because newer Temurin base images no longer guarantee it.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 ledger \
 && useradd --system --uid 10001 --gid ledger --home-dir /app --no-create-home --shell /usr/sbin/nologin ledger

WORKDIR /app

# Least to most frequently changed, so a code change only replaces the last layer.
COPY --from=build --chown=10001:10001 /build/extracted/dependencies/ ./
COPY --from=build --chown=10001:10001 /build/extracted/spring-boot-loader/ ./
COPY --from=build --chown=10001:10001 /build/extracted/snapshot-dependencies/ ./
COPY --from=build --chown=10001:10001 /build/extracted/application/ ./

USER 10001:10001

# Container-aware heap (75 % of the container's memory limit) and a crash instead of a half-alive JVM on OOM, so the
# orchestrator replaces the task. Add flags with JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS at run time.
ENV SPRING_PROFILES_ACTIVE=aws \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"

EXPOSE 8080

# Startup runs Flyway and starts the Axon processors: give it two minutes before failures count. DEGRADED (a
# projection retrying a failing write) answers 200; DOWN answers 503 and fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT:-8080}/actuator/health" || exit 1

# Exec form: the JVM is PID 1 and gets SIGTERM itself, so Spring's graceful shutdown lets in-flight messages finish.
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
