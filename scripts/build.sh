#!/usr/bin/env bash
# Build the one-folder program into dist/dangjian-desk with PyInstaller, bundling a Chinese font when found.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.venv/bin/python -m pip install -q 'pyinstaller>=6'
# The PDF font travels with the program so printing works on PCs without one.
mkdir -p resources/fonts
for font in /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; do
  if [ -f "$font" ] && [ ! -f "resources/fonts/$(basename "$font")" ]; then cp "$font" resources/fonts/; break; fi
done
.venv/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/dangjian.spec
echo "dist/dangjian-desk/dangjian-desk"
