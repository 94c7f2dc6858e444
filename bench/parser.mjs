// Dockerfile parser throughput: generates a ~5 MB Dockerfile (many instructions, line
// continuations, heredocs, JSON forms, flags), parses it several times and reports the
// median MB/s. Run after building the package:
//   npx tsc -b packages/dockerfile && node bench/parser.mjs [--mb 5] [--runs 7]
import { parse, parseDockerfile } from "@strata/dockerfile";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const targetBytes = option("mb", 5) * 1024 * 1024;
const runs = option("runs", 7);

/** One block of varied instructions; `n` keeps names distinct. */
function block(n) {
  return [
    `# stage ${n}: build something`,
    `FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build${n}`,
    `ARG VERSION=${n}.0 TARGETOS TARGETARCH`,
    `ENV GOPATH=/go PATH="/go/bin:$PATH" CGO_ENABLED=0 NAME_${n}="value with spaces"`,
    `LABEL org.opencontainers.image.version="${n}" maintainer="dev@example.com"`,
    `WORKDIR /src/app${n}`,
    `COPY --link --chown=1000:1000 --chmod=0644 go.mod go.sum ./`,
    `RUN --mount=type=cache,target=/root/.cache/go-build \\`,
    `    --mount=type=bind,source=.,target=/src \\`,
    `    apk add --no-cache git ca-certificates && \\`,
    `    # a comment inside the continuation`,
    `    go build -trimpath -ldflags "-s -w -X main.version=\${VERSION}" -o /out/app${n} ./cmd/app && \\`,
    `    echo done`,
    `RUN <<EOF`,
    `set -eux`,
    `echo "building ${n}" > /etc/build-${n}`,
    `for i in 1 2 3; do echo $i; done`,
    `EOF`,
    `COPY <<-CONFIG /etc/app${n}.conf`,
    `\tlisten = ":8080"`,
    `\tworkers = ${n % 16}`,
    `\tCONFIG`,
    `FROM scratch AS final${n}`,
    `COPY --from=build${n} /out/app${n} /app`,
    `EXPOSE 8080/tcp 9090`,
    `VOLUME ["/data", "/logs"]`,
    `USER 65532:65532`,
    `HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["/app", "health"]`,
    `ENTRYPOINT ["/app"]`,
    `CMD ["serve", "--port", "8080"]`,
    "",
  ].join("\n");
}

let text = "# syntax=docker/dockerfile:1\n";
for (let n = 0; text.length < targetBytes; n++) text += block(n);
const bytes = new TextEncoder().encode(text);
const mb = bytes.length / (1024 * 1024);

function measure(label, fn) {
  fn(); // warm-up
  const rates = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(mb / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(`${label.padEnd(16)} median ${median.toFixed(1)} MB/s  (min ${rates[0].toFixed(1)}, max ${rates.at(-1).toFixed(1)}, ${runs} runs)`);
  return { median, result };
}

console.log(`input: ${mb.toFixed(2)} MB, ${text.split("\n").length} lines`);
const raw = measure("parse", () => parse(bytes));
console.log(`                 ${raw.result.instructions.length} instructions`);
const typed = measure("parseDockerfile", () => parseDockerfile(bytes));
console.log(`                 ${typed.result.stages.length} stages`);
const TARGET = 20;
console.log(raw.median >= TARGET ? `OK: parse >= ${TARGET} MB/s` : `BELOW TARGET: parse < ${TARGET} MB/s`);
