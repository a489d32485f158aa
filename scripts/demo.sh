#!/usr/bin/env bash
# Set up (if needed), build a demo database once, and open the program on it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
DB="${DEMO_DB:-demo/演示街道.db}"
mkdir -p "$(dirname "$DB")"
[ -s "$DB" ] || .venv/bin/python main.py demo --db "$DB"
exec .venv/bin/python main.py --db "$DB"
