# The one retailpulse binary. librdkafka is linked statically through
# confluent-kafka-go (cgo, glibc), so the runtime image needs only glibc.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/retailpulse ./cmd/retailpulse

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 retailpulse
COPY --from=build /out/retailpulse /usr/local/bin/retailpulse
USER retailpulse
ENV RETAILPULSE_LOG_FORMAT=json RETAILPULSE_LISTEN_HOST=0.0.0.0
ENTRYPOINT ["retailpulse"]
