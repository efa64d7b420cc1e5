# Thin aliases; scripts/ is the source of truth.
.PHONY: test up build bench
test:
	./scripts/test.sh
up:
	go run ./cmd/retailpulse up
build:
	go build -o retailpulse ./cmd/retailpulse
bench:
	./scripts/bench/broker.sh
