#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 (PySide6 6.12 on 3.11 crashes) and install the program with its test extra.
set -euo pipefail
cd "$(dirname "$0")/.."
pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 "$HOME/.pyenv/versions/3.13.0/bin/python" \
                   "$HOME/.pyenv/versions/3.12.1/bin/python" /root/.pyenv/versions/3.12.1/bin/python python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "需要 Python 3.12 或更新版本。" >&2; return 1
}
if [ ! -x .venv/bin/python ]; then
  "$(pick_python)" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
# Qt needs a few system libraries and a Chinese font; install them when we can (root or sudo), else say so.
if ! .venv/bin/python -c 'import os; os.environ["QT_QPA_PLATFORM"]="offscreen"; from PySide6.QtWidgets import QApplication; QApplication([])' >/dev/null 2>&1 \
   || ! fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk|simsun|yahei'; then
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; }; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends libegl1 libgl1 libglib2.0-0 libxkbcommon0 \
      libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0 fonts-wqy-zenhei fonts-hanazono poppler-utils >/dev/null
  else
    echo "提示：缺少 Qt 运行库或中文字体，请安装 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-wqy-zenhei fonts-hanazono poppler-utils。" >&2
  fi
fi
