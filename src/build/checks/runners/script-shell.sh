#!/bin/sh
# The shell npm and pnpm run scripts with inside a test script (npm_config_script_shell, see
# runner-shims.ts): they put the package's bin directories first on PATH, so `npm run test:unit`
# in the middle of a test script would reach the real runner; the shims go in front again.
PATH=$SLIPWAY_SHIM_DIR:$PATH
export PATH
exec /bin/sh "$@"
