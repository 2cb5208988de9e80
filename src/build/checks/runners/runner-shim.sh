#!/bin/sh
# Slipway's test-runner shim (see runner-shims.ts). It is installed as vitest, jest, mocha,
# playwright, node and tsx in a directory put first on PATH for test scripts only, and runs the
# real command (the next one on PATH) with the runner's own reporter flags added: results go to
# $SLIPWAY_REPORT_DIR, one file per invocation, and coverage to $SLIPWAY_COVERAGE_DIR when that is
# set. Watch and UI modes, and commands that run no tests, are passed through untouched. It never
# changes what the command exits with: it execs it.
name=${0##*/}
here=${0%/*}
real=
saved_ifs=$IFS
IFS=:
set -f
for dir in $PATH; do
  case $dir in "" | "$here" | "$SLIPWAY_SHIM_DIR") continue ;; esac
  if [ -f "$dir/$name" ] && [ -x "$dir/$name" ]; then
    real=$dir/$name
    break
  fi
done
set +f
IFS=$saved_ifs
if [ -z "$real" ]; then
  echo "$name: not found" >&2
  exit 127
fi
[ -n "$SLIPWAY_REPORT_DIR" ] || exec "$real" "$@"
id=$$

# Whether a package resolves from the working directory up (node_modules of each directory).
resolves() {
  at=$PWD
  while :; do
    [ -f "$at/node_modules/$1/package.json" ] && return 0
    [ -z "$at" ] || [ "$at" = / ] && return 1
    at=${at%/*}
  done
}

case $name in
vitest)
  case $1 in bench | list | init | watch | dev) exec "$real" "$@" ;; esac
  own_reporter=
  for arg; do
    case $arg in
      --watch | -w | --watch=true | --ui | --standalone | --help | -h | --version | -v | --) exec "$real" "$@" ;;
      --reporter | --reporter=*) own_reporter=1 ;;
    esac
  done
  [ -n "$own_reporter" ] || set -- "$@" --reporter=default
  set -- "$@" --reporter=junit "--outputFile.junit=$SLIPWAY_REPORT_DIR/vitest-$id.xml"
  if [ -n "$SLIPWAY_COVERAGE_DIR" ]; then
    if resolves @vitest/coverage-v8; then
      set -- "$@" --coverage.enabled=true --coverage.reporter=lcovonly "--coverage.reportsDirectory=$SLIPWAY_COVERAGE_DIR/vitest-$id"
    elif resolves @vitest/coverage-istanbul; then
      set -- "$@" --coverage.enabled=true --coverage.provider=istanbul --coverage.reporter=lcovonly "--coverage.reportsDirectory=$SLIPWAY_COVERAGE_DIR/vitest-$id"
    fi
  fi
  ;;
jest)
  for arg; do
    case $arg in
      --watch | --watchAll | --listTests | --showConfig | --help | -h | --version | -v | --init | --clearCache | --json | --) exec "$real" "$@" ;;
    esac
  done
  set -- "$@" --json --testLocationInResults "--outputFile=$SLIPWAY_REPORT_DIR/jest-$id.json"
  [ -z "$SLIPWAY_COVERAGE_DIR" ] || set -- "$@" --coverage --coverageReporters=lcovonly "--coverageDirectory=$SLIPWAY_COVERAGE_DIR/jest-$id"
  ;;
mocha)
  [ "$1" != init ] || exec "$real" "$@"
  for arg; do
    case $arg in
      --watch | -w | --help | -h | --version | -V | --list-* | --reporter | --reporter=* | -R | --) exec "$real" "$@" ;;
    esac
  done
  SLIPWAY_MOCHA_REPORT=$SLIPWAY_REPORT_DIR/mocha-$id.xml
  export SLIPWAY_MOCHA_REPORT
  set -- "$@" --reporter "$here/mocha-reporter.cjs"
  # Mocha has no coverage of its own: V8's, which Slipway turns into lcov after the run.
  if [ -n "$SLIPWAY_COVERAGE_DIR" ] && [ -z "$NODE_V8_COVERAGE" ]; then
    NODE_V8_COVERAGE=$SLIPWAY_COVERAGE_DIR/v8-$id
    export NODE_V8_COVERAGE
  fi
  ;;
playwright)
  [ "$1" = test ] || exec "$real" "$@"
  for arg; do
    case $arg in
      --ui | --ui=* | --debug | --list | --help | -h | --reporter | --reporter=* | --) exec "$real" "$@" ;;
    esac
  done
  PLAYWRIGHT_JUNIT_OUTPUT_FILE=$SLIPWAY_REPORT_DIR/playwright-$id.xml
  PLAYWRIGHT_JUNIT_OUTPUT_NAME=$PLAYWRIGHT_JUNIT_OUTPUT_FILE
  export PLAYWRIGHT_JUNIT_OUTPUT_FILE PLAYWRIGHT_JUNIT_OUTPUT_NAME
  set -- "$@" --reporter=list,junit
  ;;
node | tsx)
  # Only the options before the script count: `node script.js --test` is the script's flag, and
  # tsx's own node process (`node .../tsx/cli.mjs --test`) is left to the tsx shim. A script run
  # without --test gets the reporters too: a file that imports node:test runs its tests as it is
  # run (`node test/index.js`), and a process that runs no test writes no report.
  test= script= junit= coverage= reporters=0 destinations=0 value=
  for arg; do
    if [ -n "$value" ]; then
      value=
      continue
    fi
    case $arg in
      --test) test=1 ;;
      --watch | --watch=*) exec "$real" "$@" ;;
      --test-reporter=junit) junit=1 reporters=$((reporters + 1)) ;;
      --test-reporter=*) reporters=$((reporters + 1)) ;;
      --test-reporter) exec "$real" "$@" ;;
      --test-reporter-destination=*) destinations=$((destinations + 1)) ;;
      --test-reporter-destination) exec "$real" "$@" ;;
      --experimental-test-coverage) coverage=1 ;;
      -r | --require | --import | --loader | --experimental-loader | -C | --conditions | --input-type | --tsconfig | --test-name-pattern | --test-skip-pattern | --test-concurrency | --test-shard | --test-timeout | --watch-path | --title) value=1 ;;
      -e | --eval | -p | --print | -i | --interactive | -c | --check | -v | --version | -h | --help) exec "$real" "$@" ;;
      --) break ;;
      -*) ;;
      *)
        script=1
        break
        ;;
    esac
  done
  [ -z "$junit" ] && { [ -n "$test" ] || [ -n "$script" ]; } || exec "$real" "$@"
  if [ "$reporters" -eq 1 ] && [ "$destinations" -eq 0 ]; then
    # The script's one reporter writes to stdout by default; with ours it must say so.
    set -- --test-reporter-destination=stdout "$@"
  elif [ "$reporters" -ne "$destinations" ]; then
    exec "$real" "$@"
  fi
  if [ -n "$SLIPWAY_COVERAGE_DIR" ] && [ -n "$test" ]; then
    [ -n "$coverage" ] || set -- --experimental-test-coverage "$@"
    set -- --test-reporter=lcov "--test-reporter-destination=$SLIPWAY_COVERAGE_DIR/node-$id.info" "$@"
  fi
  set -- --test-reporter=junit "--test-reporter-destination=$SLIPWAY_REPORT_DIR/node-$id.xml" "$@"
  # Without --test, stdout keeps what node writes there by default off a terminal (TAP): the script
  # may pipe it to a TAP reader.
  if [ "$reporters" -eq 0 ]; then
    if [ -n "$test" ]; then set -- --test-reporter=spec --test-reporter-destination=stdout "$@"; else set -- --test-reporter=tap --test-reporter-destination=stdout "$@"; fi
  fi
  ;;
esac
exec "$real" "$@"
