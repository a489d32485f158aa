#!/usr/bin/env bash
# Start the frozen build offscreen: demo database, check, screenshots of every screen. Prints what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=dist/dangjian-desk/dangjian-desk
WORK=$(mktemp -d)
export QT_QPA_PLATFORM=offscreen
"$APP" --version
"$APP" demo --db "$WORK/frozen.db" --members 200
"$APP" check --db "$WORK/frozen.db"
"$APP" screenshots --db "$WORK/frozen.db" --out "$WORK/shots"
test -s "$WORK/shots/help.png"  # the user's guide and its pictures were found inside the build (帮助 → 用户手册)
DANGJIAN_QUIT_AFTER_SHOW=1 "$APP" --db "$WORK/frozen.db"
echo "frozen build started, rendered $(ls "$WORK/shots" | wc -l) screens into $WORK/shots"
