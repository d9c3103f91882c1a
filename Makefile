# Thin wrappers over scripts/. See README.md.
.PHONY: run test build bench lint format clean mutation

ARGS ?=

run:            ## install what is missing, build, start the embedded server on http://127.0.0.1:8000
	scripts/run.sh $(ARGS)

test:           ## install test dependencies, run every test, print "N passed, N failed, N skipped"
	scripts/test.sh

build:          ## publish the executable to dist/ffmpeg-api
	scripts/build.sh

bench:          ## run the benchmarks, write bench/results/latest.md
	scripts/bench.sh

lint:           ## formatting and analyzers (the build already fails on analyzer warnings)
	dotnet format FfmpegApi.slnx --verify-no-changes

format:
	dotnet format FfmpegApi.slnx

clean:
	rm -rf dist artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj

mutation:       ## Stryker.NET on FfmpegApi.Media; writes bench/results/mutation.md (not part of CI)
	scripts/mutation.sh
